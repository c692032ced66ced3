from __future__ import annotations

from uuid import UUID

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tsunagu.accounts.access import require_supplier_staff
from tsunagu.integrations import services
from tsunagu.integrations.access import get_import_job_for_member
from tsunagu.integrations.csv.kinds import KINDS
from tsunagu.integrations.models import ImportJob


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
    columns = KINDS[kind].schema.all_columns
    return render(
        request,
        "integrations/import_new.html",
        {"form": form, "kind": KINDS[kind], "columns": columns},
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
