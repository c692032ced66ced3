from django.urls import path

from tsunagu.audit import views

urlpatterns = [
    path("organization/audit/", views.audit_log, name="audit-log"),
]
