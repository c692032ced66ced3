from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("tsunagu.ops.urls")),
    path("", include("tsunagu.core.urls")),
    path("", include("tsunagu.accounts.urls")),
    path("", include("tsunagu.audit.urls")),
    path("", include("tsunagu.catalog.urls")),
    path("", include("tsunagu.customers.urls")),
    path("", include("tsunagu.calendar.urls")),
    path("", include("tsunagu.integrations.urls")),
    path("", include("tsunagu.ordering.urls")),
    path("", include("tsunagu.documents.urls")),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
