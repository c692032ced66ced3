from django.urls import path

from tsunagu.accounts import views

urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("organization/switch/", views.switch_organization, name="organization-switch"),
]
