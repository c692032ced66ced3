from __future__ import annotations

import csv
from collections.abc import Iterator

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from tsunagu.accounts.access import require_admin
from tsunagu.audit import selectors
from tsunagu.audit.forms import AuditFilterForm
from tsunagu.audit.labels import action_label
from tsunagu.audit.models import AuditEntry
from tsunagu.core.spreadsheet import quote_formula


class _Echo:
    def write(self, value: str) -> str:
        return value


@login_required
@require_GET
def audit_log(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    """The organization's operation log for its administrators: search, pages, CSV."""
    admin = require_admin(request)
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    entries = selectors.entries_of(admin.organization, **filters)
    if request.GET.get("format") == "csv" and (form.is_valid() or not request.GET):
        return _csv_response(entries)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/audit_log.html",
        {
            "form": form,
            "page": page,
            "rows": [(entry, action_label(entry.action)) for entry in page],
            "query": query.urlencode(),
        },
    )


def _csv_response(entries: object) -> StreamingHttpResponse:
    header = [
        _("Date and time"),
        _("Who"),
        _("Operation"),
        _("Operation code"),
        _("Target"),
        _("Acting for"),
        _("Changes"),
        _("IP address"),
        _("Request ID"),
    ]

    def rows() -> Iterator[str]:
        writer = csv.writer(_Echo())
        yield "\ufeff"  # UTF-8 with BOM: Excel opens it with the right characters
        yield writer.writerow(header)
        assert hasattr(entries, "iterator")  # noqa: S101 - a QuerySet
        for entry in entries.iterator(chunk_size=2000):
            assert isinstance(entry, AuditEntry)  # noqa: S101
            yield writer.writerow(
                quote_formula(str(cell))
                for cell in [
                    timezone.localtime(entry.occurred_at).strftime("%Y-%m-%d %H:%M:%S"),
                    entry.actor_email,
                    action_label(entry.action),
                    entry.action,
                    entry.target_label,
                    entry.acting_for_name,
                    entry.changes or "",
                    entry.ip or "",
                    entry.request_id,
                ]
            )

    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-log-{stamp}.csv"'
    return response
