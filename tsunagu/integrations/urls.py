from django.urls import path

from tsunagu.integrations import views

urlpatterns = [
    path("supplier/imports/new/<slug:kind>/", views.import_new, name="import-new"),
    path("supplier/imports/<uuid:job_id>/", views.import_detail, name="import-detail"),
    path("supplier/imports/<uuid:job_id>/confirm/", views.import_confirm, name="import-confirm"),
    path("supplier/exports/", views.export_profiles, name="export-profiles"),
    path("supplier/exports/new/", views.export_profile_edit, name="export-profile-new"),
    path("supplier/exports/download/", views.export_download, name="export-download"),
    path(
        "supplier/exports/<uuid:profile_id>/", views.export_profile_edit, name="export-profile-edit"
    ),
    path(
        "supplier/exports/<uuid:profile_id>/delete/",
        views.export_profile_delete,
        name="export-profile-delete",
    ),
]
