"""The supplier's document settings page (logo, seal, bank accounts, remarks, qualified invoice,
number formats). Admins only, after a recent login, like the organization's settings."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from tsunagu.accounts.access import require_admin, require_recent_login
from tsunagu.documents.document_settings import number_formats, update_document_settings
from tsunagu.documents.forms import DocumentSettingsForm


@login_required
@require_http_methods(["GET", "POST"])
def document_settings(request: HttpRequest) -> HttpResponse:
    admin = require_admin(request)
    if not admin.organization.is_supplier:
        raise PermissionDenied
    require_recent_login(request)
    supplier = admin.organization
    form = DocumentSettingsForm(
        request.POST or None,
        request.FILES or None,
        instance=supplier,
        formats=number_formats(supplier),
    )
    if request.method == "POST" and form.is_valid():
        changed = update_document_settings(
            supplier, actor=admin, data=form.settings_data(), formats=form.formats_data()
        )
        if changed:
            messages.success(
                request,
                _("The document settings were saved. Documents issued from now on use them."),
            )
        else:
            messages.info(request, _("Nothing was changed."))
        return redirect("document-settings")
    return render(
        request,
        "documents/settings.html",
        {
            "form": form,
            "has_registration_number": bool(supplier.registration_number),
        },
    )
