"""Imports from the pages: upload, check in the background, preview, confirm, apply."""

from __future__ import annotations

from django.db import transaction

from tsunagu.accounts.models import Membership
from tsunagu.integrations.csv import importing
from tsunagu.integrations.csv.kinds import KINDS
from tsunagu.integrations.models import ImportJob

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
        ImportJob.objects.filter(pk=job_id).update(processed_rows=done, total_rows=total)

    return report


def check_job(job_id: str) -> str:
    job = ImportJob.objects.select_related("supplier").get(pk=job_id)
    if job.status != ImportJob.Status.CHECKING:
        return job.status
    checked = importing.check(
        KINDS[job.kind], job.supplier, bytes(job.content), progress=_progress(job_id)
    )
    marked = checked.errors_by_line()
    bad_lines = sorted(line for line in marked if line > 1)
    good = checked.rows[:PREVIEW_ROWS]
    ImportJob.objects.filter(pk=job_id).update(
        status=ImportJob.Status.INVALID if checked.errors else ImportJob.Status.CHECKED,
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


def apply_job(job_id: str) -> str:
    job = ImportJob.objects.select_related("supplier", "created_by").get(pk=job_id)
    if job.status != ImportJob.Status.APPLYING:
        return job.status
    # Checked again at apply time: the data may have changed since the preview.
    checked = importing.check(
        KINDS[job.kind], job.supplier, bytes(job.content), progress=_progress(job_id)
    )
    result = importing.apply(checked, job.supplier, actor=job.created_by)
    ImportJob.objects.filter(pk=job_id).update(
        status=ImportJob.Status.DONE if result.applied else ImportJob.Status.INVALID,
        created_count=result.created,
        updated_count=result.updated,
        errors=[error.as_dict() for error in result.errors],
    )
    return "done" if result.applied else "invalid"
