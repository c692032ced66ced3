"""Imports from the pages (upload, check in the background, preview, confirm, apply) and the
supplier's CSV export profiles."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from tsunagu.accounts.models import Membership
from tsunagu.audit import services as audit
from tsunagu.integrations.csv import importing, order_export
from tsunagu.integrations.csv.kinds import KINDS
from tsunagu.integrations.models import ImportJob
from tsunagu.ops import leases
from tsunagu.ordering.models import ExportProfile

logger = logging.getLogger(__name__)

PREVIEW_ROWS = 50
MAX_UPLOAD_BYTES = 20 * 1024 * 1024


@transaction.atomic
def start_import(*, actor: Membership, kind: str, filename: str, content: bytes) -> ImportJob:
    """Keep the uploaded file and queue its check; the page follows the job's progress."""
    from tsunagu.integrations.tasks import check_import

    job = ImportJob.objects.create(
        supplier=actor.organization,
        created_by=actor.user,
        kind=kind,
        filename=filename[:255],
        content=content,
    )
    check_import.enqueue(str(job.pk))
    return job


def _progress(job_id: str) -> importing.Progress:
    def report(done: int, total: int) -> None:
        ImportJob.objects.filter(pk=job_id).update(
            processed_rows=done, total_rows=total, lease_expires_at=leases.lease_until()
        )

    return report


def _stop_on_error(step: Callable[[str], str]) -> Callable[[str], str]:
    """A job whose step fails unexpectedly ends with that said, instead of staying "running"
    (its page would wait at 100 % for ever). Nothing was saved: the import is one transaction."""

    @functools.wraps(step)
    def run(job_id: str) -> str:
        try:
            return step(job_id)
        except Exception:
            logger.exception("import.job_failed job=%s step=%s", job_id, step.__name__)
            message = _(
                "The import stopped on an unexpected error. Nothing was saved. Check the numbers "
                "in the file, or ask your administrator."
            )
            ImportJob.objects.filter(pk=job_id).update(
                status=ImportJob.Status.INVALID,
                errors=[{"line": 1, "column": "", "message": message}],
            )
            return "failed"

    return run


def _claim_job(job_id: str, status: str) -> bool:
    """Take the job for this process unless a live worker holds it (tsunagu.ops.leases)."""
    return leases.claim(ImportJob.objects.filter(pk=job_id, status=status))


def take_over_expired_jobs(now: datetime) -> int:
    """Jobs whose worker died (their lease ran out) are checked or applied again from the
    start: checking writes nothing, and applying is all or nothing with its status."""
    from tsunagu.integrations.tasks import apply_import, check_import

    def requeue(pk: Any, status: str) -> None:
        task = check_import if status == ImportJob.Status.CHECKING else apply_import
        task.enqueue(str(pk))

    taken = leases.take_over(
        ImportJob,
        [ImportJob.Status.CHECKING, ImportJob.Status.APPLYING],
        now=now,
        requeue=requeue,
    )
    for pk, status in taken:
        logger.warning("integrations.import_taken_over job_id=%s status=%s", pk, status)
    return len(taken)


@_stop_on_error
def check_job(job_id: str) -> str:
    job = ImportJob.objects.select_related("supplier").get(pk=job_id)
    if job.status != ImportJob.Status.CHECKING:
        return job.status
    if not _claim_job(job_id, ImportJob.Status.CHECKING):
        return "held by another worker"
    checked = importing.check(
        KINDS[job.kind], job.supplier, bytes(job.content), progress=_progress(job_id)
    )
    marked = checked.errors_by_line()
    bad_lines = sorted(line for line in marked if line > 1)
    good = checked.rows[:PREVIEW_ROWS]
    ImportJob.objects.filter(pk=job_id).update(
        status=ImportJob.Status.INVALID if checked.errors else ImportJob.Status.CHECKED,
        **leases.RELEASED,
        created_count=checked.created,
        updated_count=checked.updated,
        errors=[error.as_dict() for error in checked.errors],
        preview={
            "headers": checked.headers,
            "encoding": checked.encoding,
            "bad_rows": [
                {"line": row.line, "cells": row.cells, "marks": marked.get(row.line, {})}
                for row in _rows_with_lines(job, checked, bad_lines)
            ],
            "good_rows": [
                {"line": row.line, "cells": row.cells, "new": row.is_new} for row in good
            ],
        },
    )
    return "checked"


def _rows_with_lines(
    job: ImportJob, checked: importing.Checked, lines: list[int]
) -> list[importing.CheckedRow]:
    """The cells of the bad rows, re-read from the file (the check keeps only good rows)."""
    import csv
    import io

    from tsunagu.integrations.csv.encoding import decode

    wanted = set(lines[:PREVIEW_ROWS])
    text, _encoding = decode(bytes(job.content))
    reader = csv.reader(io.StringIO(text, newline=""))
    next(reader, None)
    rows = []
    for cells in reader:
        if reader.line_num in wanted:
            rows.append(importing.CheckedRow(reader.line_num, "", {}, cells, False))
    return rows


@transaction.atomic
def confirm_import(job: ImportJob, *, actor: Membership) -> ImportJob:
    """The person saw the preview and confirms: apply in the background."""
    from tsunagu.integrations.tasks import apply_import

    updated = ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.CHECKED).update(
        status=ImportJob.Status.APPLYING, processed_rows=0
    )
    if updated:
        apply_import.enqueue(str(job.pk))
    job.refresh_from_db()
    return job


@_stop_on_error
def apply_job(job_id: str) -> str:
    job = ImportJob.objects.select_related("supplier", "created_by").get(pk=job_id)
    if job.status != ImportJob.Status.APPLYING:
        return job.status
    if not _claim_job(job_id, ImportJob.Status.APPLYING):
        return "held by another worker"
    # Checked again at apply time: the data may have changed since the preview.
    checked = importing.check(
        KINDS[job.kind], job.supplier, bytes(job.content), progress=_progress(job_id)
    )
    # The rows and the job's status commit together: a worker killed halfway leaves neither,
    # and the job is applied again from the start by the worker that takes it over.
    with transaction.atomic():
        result = importing.apply(checked, job.supplier, actor=job.created_by)
        ImportJob.objects.filter(pk=job_id).update(
            status=ImportJob.Status.DONE if result.applied else ImportJob.Status.INVALID,
            created_count=result.created,
            updated_count=result.updated,
            errors=[error.as_dict() for error in result.errors],
            **leases.RELEASED,
        )
    return "done" if result.applied else "invalid"


# ---- export profiles --------------------------------------------------------------------------


class ProfileNameTakenError(Exception):
    """Another profile of the supplier has this name."""


@transaction.atomic
def save_export_profile(
    profile: ExportProfile | None,
    *,
    actor: Membership,
    name: str,
    encoding: str,
    date_format: str,
    columns: list[dict[str, str]],
) -> ExportProfile:
    """Create (profile None) or change one of the supplier's CSV layouts for orders.

    Names are unique per supplier: a name in use raises ProfileNameTakenError and saves nothing.
    Columns are {"source", "header"} ({"value"} too for a fixed column), as order_export reads
    them."""
    name = name.strip()
    if encoding not in order_export.ENCODINGS or date_format not in order_export.DATE_FORMATS:
        raise ValueError(f"unsupported encoding {encoding!r} or date format {date_format!r}")
    stored = [column.as_dict() for column in order_export.columns_from_data(columns)]
    taken = _("A layout named %(name)s already exists: choose another name.") % {"name": name}
    others = ExportProfile.objects.filter(supplier=actor.organization, name=name)
    if profile is not None:
        others = others.exclude(pk=profile.pk)
    if others.exists():
        raise ProfileNameTakenError(taken)
    creating = profile is None
    if profile is None:
        profile = ExportProfile(supplier=actor.organization)
        before: dict[str, Any] = {}
    else:
        profile = ExportProfile.objects.select_for_update(no_key=True).get(
            pk=profile.pk, supplier=actor.organization
        )
        before = {
            "name": profile.name,
            "encoding": profile.encoding,
            "date_format": profile.date_format,
            "columns": profile.columns,
        }
    after = {"name": name, "encoding": encoding, "date_format": date_format, "columns": stored}
    profile.name, profile.encoding = name, encoding
    profile.date_format, profile.columns = date_format, stored
    try:
        with transaction.atomic():
            profile.save()
    except IntegrityError:
        # Saved by someone else between the check and now.
        raise ProfileNameTakenError(taken) from None
    audit.record(
        "export_profile.created" if creating else "export_profile.updated",
        actor=actor.user,
        organization=actor.organization,
        target=profile,
        changes=after
        if creating
        else {key: [before[key], value] for key, value in after.items() if before[key] != value},
    )
    return profile


@transaction.atomic
def delete_export_profile(profile: ExportProfile, *, actor: Membership) -> None:
    """Remove one of the supplier's export profiles; the default layout always stays."""
    label = profile.name
    ExportProfile.objects.filter(pk=profile.pk, supplier=actor.organization).delete()
    audit.record(
        "export_profile.deleted",
        actor=actor.user,
        organization=actor.organization,
        target_label=label,
    )
