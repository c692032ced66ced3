from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from tsunagu.accounts.models import Invitation, Membership, Organization, User
from tsunagu.audit.admin import AuditedAdminMixin


@admin.register(User)
class UserAdmin(AuditedAdminMixin, DjangoUserAdmin):
    ordering = ("email",)
    list_display = ("email", "name", "is_active", "is_staff", "date_joined")
    search_fields = ("email", "name")
    fieldsets = (
        (None, {"fields": ("email", "password", "name")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ("user",)


@admin.register(Organization)
class OrganizationAdmin(AuditedAdminMixin):
    list_display = ("code", "name", "is_supplier", "is_buyer", "created_at")
    search_fields = ("code", "name", "name_kana")
    inlines = (MembershipInline,)


@admin.register(Invitation)
class InvitationAdmin(AuditedAdminMixin):
    list_display = ("organization", "kind", "email", "role", "expires_at", "accepted_at")
    exclude = ("token_hash",)
