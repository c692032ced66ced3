from django.urls import path

from tsunagu.integrations import views

urlpatterns = [
    path("supplier/imports/new/<slug:kind>/", views.import_new, name="import-new"),
    path("supplier/imports/<uuid:job_id>/", views.import_detail, name="import-detail"),
    path("supplier/imports/<uuid:job_id>/confirm/", views.import_confirm, name="import-confirm"),
]
