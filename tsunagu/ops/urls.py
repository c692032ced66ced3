from django.urls import path

from tsunagu.ops import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
]
