from django.urls import path

from tsunagu.core import views

urlpatterns = [
    path("styleguide/", views.styleguide, name="styleguide"),
]
