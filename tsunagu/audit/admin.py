"""Platform operators' access to tenant data through the Django admin is itself recorded."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models, transaction
from django.http import HttpRequest, HttpResponse

from tsunagu.accounts.models import Organization, User
from tsunagu.audit import services
from tsunagu.audit.models import AuditEntry


def organizations_of(obj: models.Model | None) -> list[Organization | None]:
    """The tenants a row belongs to, so the entry lands in their own logs."""
    if isinstance(obj, Organization):
        return [obj]
    if isinstance(obj, User):
        return [m.organization for m in obj.memberships.select_related("organization")] or [None]
    organization = getattr(obj, "organization", None)
    return [organization if isinstance(organization, Organization) else None]


class AuditedAdminMixin(admin.ModelAdmin):
    def _record(
        self, request: HttpRequest, action: str, obj: models.Model | None, label: str
    ) -> None:
        actor = request.user if isinstance(request.user, User) else None
        with transaction.atomic():
            for organization in organizations_of(obj):
                services.record(
                    action,
                    actor=actor,
                    organization=organization,
                    target=obj,
                    target_label=label,
                    changes={"admin": request.path, "method": request.method},
                )

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        self._record(
            request, "admin.viewed", None, f"{self.model._meta.verbose_name_plural} (list)"
        )
        return super().changelist_view(request, extra_context)

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        obj = self.get_object(request, object_id)
        action = "admin.changed" if request.method == "POST" else "admin.viewed"
        self._record(request, action, obj, str(obj) if obj is not None else object_id)
        return super().change_view(request, object_id, form_url, extra_context)

    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: Any = None
    ) -> HttpResponse:
        obj = self.get_object(request, object_id)
        if request.method == "POST":
            self._record(request, "admin.changed", obj, f"delete {obj}")
        return super().delete_view(request, object_id, extra_context)


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ("occurred_at", "chain", "sequence", "actor_email", "action", "target_label")
    list_filter = ("action",)
    search_fields = ("actor_email", "target_label", "request_id")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
