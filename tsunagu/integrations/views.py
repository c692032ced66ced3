from __future__ import annotations

from typing import Any
from uuid import UUID

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tsunagu.accounts.access import WRITE_ROLES, require_supplier_staff
from tsunagu.accounts.models import Membership
from tsunagu.integrations import services
from tsunagu.integrations.access import get_export_profile_for_member, get_import_job_for_member
from tsunagu.integrations.csv import order_export
from tsunagu.integrations.csv.kinds import KINDS
from tsunagu.integrations.forms import (
    DATE_FORMAT_CHOICES,
    DownloadForm,
    FixedColumnFormSet,
    ProfileForm,
    SourceColumnFormSet,
    column_initials,
    columns_from_forms,
)
from tsunagu.integrations.models import ImportJob
from tsunagu.ordering.models import ExportProfile

PROBLEMS_SHOWN = 100
DATE_EXAMPLES = dict(DATE_FORMAT_CHOICES)


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CSV file"),
        help_text=gettext_lazy("Saved from Excel (Shift_JIS) or as UTF-8. Up to 20 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if upload.size > services.MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 20 MB. Split it into parts."))
        return upload


@login_required
@require_http_methods(["GET", "POST"])
def import_new(request: HttpRequest, kind: str) -> HttpResponse:
    member = require_supplier_staff(request, write=True)
    if kind not in KINDS:
        raise Http404
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        job = services.start_import(
            actor=member, kind=kind, filename=upload.name, content=upload.read()
        )
        return redirect("import-detail", job_id=job.pk)
    schema = KINDS[kind].schema
    return render(
        request,
        "integrations/import_new.html",
        {
            "form": form,
            "kind": KINDS[kind],
            "columns": schema.all_columns,
            "ignored": [header for header in schema.ignored if not header.isascii()],
        },
    )


def _job_context(job: ImportJob) -> dict[str, object]:
    headers = job.preview.get("headers", [])
    bad_rows = [
        {
            "line": row["line"],
            "cells": [
                {
                    "value": row["cells"][i] if i < len(row["cells"]) else "",
                    "error": row["marks"].get(header, ""),
                }
                for i, header in enumerate(headers)
            ],
            "row_error": row["marks"].get("", ""),
        }
        for row in job.preview.get("bad_rows", [])
    ]
    return {
        "job": job,
        "kind": KINDS[job.kind],
        "headers": headers,
        "bad_rows": bad_rows,
        "good_rows": job.preview.get("good_rows", []),
        "file_errors": [e for e in job.errors if e["line"] == 1],
        "error_lines": [
            f"行 {e['line']}: {e['column']}: {e['message']}"
            if e["column"]
            else f"行 {e['line']}: {e['message']}"
            for e in job.errors
        ],
    }


@login_required
@require_GET
def import_detail(request: HttpRequest, job_id: UUID) -> HttpResponse:
    member = require_supplier_staff(request)
    job = get_import_job_for_member(member, job_id)
    return render(request, "integrations/import_detail.html", _job_context(job))


@login_required
@require_POST
def import_confirm(request: HttpRequest, job_id: UUID) -> HttpResponse:
    member = require_supplier_staff(request, write=True)
    job = get_import_job_for_member(member, job_id)
    job = services.confirm_import(job, actor=member)
    if job.status != ImportJob.Status.APPLYING:
        messages.error(request, _("This file cannot be imported any more: upload it again."))
    return redirect("import-detail", job_id=job.pk)


# ---- order exports ------------------------------------------------------------------------------


def _profiles(member: Membership) -> QuerySet[ExportProfile]:
    return ExportProfile.objects.filter(supplier=member.organization)


def _exports_page(
    request: HttpRequest,
    member: Membership,
    form: DownloadForm,
    problems: list[order_export.Unencodable] | None = None,
) -> HttpResponse:
    return render(
        request,
        "integrations/export_profiles.html",
        {
            "form": form,
            "profiles": [
                (profile, DATE_EXAMPLES.get(profile.date_format, profile.date_format))
                for profile in _profiles(member)
            ],
            "standard_headers": order_export.default_layout().headers,
            "problems": [problem.as_text() for problem in problems or []],
            "can_write": member.role in WRITE_ROLES,
        },
    )


@login_required
@require_GET
def export_profiles(request: HttpRequest) -> HttpResponse:
    member = require_supplier_staff(request)
    return _exports_page(request, member, DownloadForm(profiles=_profiles(member)))


@login_required
@require_GET
def export_download(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    """The orders as CSV in the chosen layout, streamed. In Shift_JIS, characters it cannot hold
    are shown first (a pass that writes nothing) unless the person asked to replace them."""
    member = require_supplier_staff(request)
    profile = None
    if request.GET.get("profile"):
        try:
            profile_id = UUID(request.GET["profile"])
        except ValueError:
            raise Http404 from None
        profile = get_export_profile_for_member(member, profile_id)
    form = DownloadForm(request.GET, profiles=_profiles(member))
    if not form.is_valid():
        return _exports_page(request, member, form)
    layout = order_export.layout_of(profile) if profile else order_export.default_layout()
    lines = order_export.lines_of(
        member.organization,
        date_from=form.cleaned_data["date_from"],
        date_to=form.cleaned_data["date_to"],
    )
    if not form.cleaned_data["replace"]:
        problems = order_export.find_unencodable(layout, lines, limit=PROBLEMS_SHOWN)
        if problems:
            return _exports_page(request, member, form, problems)
    export = order_export.Export(layout, lines)
    charset = "Shift_JIS" if layout.encoding == "cp932" else "utf-8"
    response = StreamingHttpResponse(export.chunks(), content_type=f"text/csv; charset={charset}")
    response["Content-Disposition"] = content_disposition_header(
        True, _download_name(layout, form.cleaned_data)
    )
    return response


def _download_name(layout: order_export.Layout, data: dict[str, Any]) -> str:
    """e.g. orders-弥生販売用-20261101-20261130.csv (sent RFC 5987-encoded)."""
    parts = ["orders"]
    if layout.name:
        parts.append("".join(ch for ch in layout.name if ch not in '\\/:*?"<>|'))
    days = [day for day in (data.get("date_from"), data.get("date_to")) if day]
    parts.extend(day.strftime("%Y%m%d") for day in days)
    if not days:
        parts.append(timezone.localdate().strftime("%Y%m%d"))
    return "-".join(parts) + ".csv"


@login_required
@require_http_methods(["GET", "POST"])
def export_profile_edit(request: HttpRequest, profile_id: UUID | None = None) -> HttpResponse:
    member = require_supplier_staff(request, write=request.method == "POST")
    profile = get_export_profile_for_member(member, profile_id) if profile_id else None
    if profile is not None:
        try:
            layout = order_export.layout_of(profile)
        except order_export.LayoutError:
            layout = order_export.default_layout(encoding=profile.encoding)
        initial = {
            "name": profile.name,
            "encoding": profile.encoding,
            "date_format": profile.date_format,
        }
    else:
        layout = order_export.default_layout()
        initial = {}
    source_rows, fixed_rows = column_initials(layout.columns)
    data = request.POST if request.method == "POST" else None
    form = ProfileForm(data, initial=initial)
    sources = SourceColumnFormSet(data, initial=source_rows, prefix="columns")
    fixed = FixedColumnFormSet(data, initial=fixed_rows, prefix="fixed")
    column_error = ""
    if request.method == "POST" and form.is_valid() and sources.is_valid() and fixed.is_valid():
        columns = columns_from_forms(sources, fixed)
        if not columns:
            column_error = _("Choose at least one column.")
        else:
            try:
                saved = services.save_export_profile(
                    profile,
                    actor=member,
                    name=form.cleaned_data["name"],
                    encoding=form.cleaned_data["encoding"],
                    date_format=form.cleaned_data["date_format"],
                    columns=columns,
                )
            except services.ProfileNameTakenError as error:
                form.add_error("name", str(error))
            else:
                messages.success(
                    request, _("The layout %(name)s was saved.") % {"name": saved.name}
                )
                return redirect("export-profiles")
    return render(
        request,
        "integrations/export_profile_form.html",
        {
            "form": form,
            "sources": sources,
            "fixed": fixed,
            "profile": profile,
            "column_error": column_error,
        },
    )


@login_required
@require_POST
def export_profile_delete(request: HttpRequest, profile_id: UUID) -> HttpResponse:
    member = require_supplier_staff(request, write=True)
    profile = get_export_profile_for_member(member, profile_id)
    services.delete_export_profile(profile, actor=member)
    messages.success(request, _("The layout %(name)s was deleted.") % {"name": profile.name})
    return redirect("export-profiles")
