"""Finding and removing stored PDFs that no document refers to.

`issuing.issue()` writes the encrypted PDF before the document row is saved, inside the caller's
transaction. If that transaction rolls back after `issue()` returned (a caller's later step
failed), the row is gone but the file stays: harmless (encrypted, unreachable from any page),
but it takes space. `sweep_document_files` removes such files once they are old enough that no
transaction still in progress can be about to save a row naming them.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from django.core.files.storage import default_storage
from django.utils import timezone

from tsunagu.documents.models import Document

ROOT = "private/documents"


def _stored_names(folder: str) -> Iterator[str]:
    if not default_storage.exists(folder):
        return
    folders, files = default_storage.listdir(folder)
    for name in files:
        yield f"{folder}/{name}"
    for child in folders:
        yield from _stored_names(f"{folder}/{child}")


def orphan_pdfs(*, older_than: timedelta) -> list[str]:
    """Storage names under the documents folder that no Document refers to, last written before
    now − older_than."""
    cutoff = timezone.now() - older_than
    referenced = set(Document.objects.values_list("pdf_storage_name", flat=True))
    return sorted(
        name
        for name in _stored_names(ROOT)
        if name not in referenced and default_storage.get_modified_time(name) < cutoff
    )


def delete_orphan_pdfs(*, older_than: timedelta) -> list[str]:
    """Delete what orphan_pdfs() finds (checked again just before each delete); returns them."""
    names = orphan_pdfs(older_than=older_than)
    referenced = set(
        Document.objects.filter(pdf_storage_name__in=names).values_list(
            "pdf_storage_name", flat=True
        )
    )
    deleted = [name for name in names if name not in referenced]
    for name in deleted:
        default_storage.delete(name)
    return deleted
