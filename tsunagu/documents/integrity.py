"""Checking issued documents against what was recorded when they were issued.

Each `document.issued` audit entry holds the document's number, type, totals, the PDF's SHA-256
and (since the frozen-document trigger) `content_sha256`, a digest of every frozen field. The
audit chain proves the entries were not changed; this module proves the documents were not
either: every document is compared with its entry and its stored PDF with its SHA-256.
`manage.py verify_audit_log` runs it after walking the chains.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from tsunagu.audit.models import AuditEntry
from tsunagu.core.encryption import DecryptionError
from tsunagu.core.filestore import read_decrypted
from tsunagu.documents.models import FROZEN_FIELDS, Document

ISSUED_ACTION = "document.issued"
TARGET_TYPE = "documents.document"


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        # Whole yen as an integer ("-0" and "1E+3" read back as "0" and "1000").
        return str(int(value)) if value == value.to_integral_value() else str(value.normalize())
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    return value


def frozen_digest(document: Document) -> str:
    """SHA-256 of the document's frozen fields, in a form that survives the database."""
    fields = {name: _plain(getattr(document, name)) for name in FROZEN_FIELDS}
    text = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class DocumentMismatch:
    """The first document that is not as it was issued, and how."""

    number: str
    doc_type: str
    document_id: str
    reason: str


@dataclass(frozen=True)
class DocumentCheck:
    checked: int
    mismatch: DocumentMismatch | None

    @property
    def intact(self) -> bool:
        return self.mismatch is None


def _compare(document: Document, changes: dict[str, Any]) -> str | None:
    recorded: dict[str, Any] = {
        "number": document.number,
        "doc_type": document.doc_type,
        "total": document.total,
        "amount_due": document.amount_due,
        "pdf_sha256": document.pdf_sha256,
    }
    for key, value in recorded.items():
        if key not in changes:
            continue
        same = (
            Decimal(str(changes[key])) == value
            if isinstance(value, Decimal)
            else str(changes[key]) == value
        )
        if not same:
            return f"its {key} is {_plain(value)}, the audit entry says {changes[key]}"
    digest = changes.get("content_sha256")
    if digest is not None and digest != frozen_digest(document):
        return "its issued fields (lines, amounts or PDF reference) differ from the audit entry"
    try:
        data = read_decrypted(document.pdf_storage_name)
    except (OSError, DecryptionError) as error:
        return f"its stored PDF cannot be read ({type(error).__name__})"
    if hashlib.sha256(data).hexdigest() != document.pdf_sha256:
        return "its stored PDF's SHA-256 differs from the one recorded"
    return None


def _documents(organization_ids: list[UUID] | None) -> Iterator[Document]:
    documents = Document.objects.order_by("supplier_id", "issued_on", "created_at")
    if organization_ids is not None:
        documents = documents.filter(supplier_id__in=organization_ids)
    return documents.iterator(chunk_size=500)


def verify_documents(organization_ids: list[UUID] | None = None) -> DocumentCheck:
    """Compare every issued document (of these suppliers, or all) with its `document.issued`
    audit entry and its stored PDF with its SHA-256; stop at the first mismatch. A document
    without an entry, and an entry whose document is gone, are mismatches too."""
    entries = AuditEntry.objects.filter(action=ISSUED_ACTION, target_type=TARGET_TYPE)
    if organization_ids is not None:
        entries = entries.filter(organization_id__in=organization_ids)
    issued = {
        target_id: (changes, label)
        for target_id, changes, label in entries.values_list(
            "target_id", "changes", "target_label"
        ).iterator(chunk_size=2000)
    }
    checked = 0
    for document in _documents(organization_ids):
        checked += 1
        found = issued.pop(str(document.pk), None)
        reason = (
            "it has no audit entry of its issue" if found is None else _compare(document, found[0])
        )
        if reason is not None:
            return DocumentCheck(
                checked,
                DocumentMismatch(document.number, document.doc_type, str(document.pk), reason),
            )
    for target_id, (changes, label) in issued.items():
        return DocumentCheck(
            checked,
            DocumentMismatch(
                str(changes.get("number", label)),
                str(changes.get("doc_type", "")),
                target_id,
                "it was issued (audit entry) but is missing from the database",
            ),
        )
    return DocumentCheck(checked, None)
