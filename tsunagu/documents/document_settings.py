"""The supplier's document settings: what is printed on every document (logo, seal, bank
accounts, remarks), which document serves as the qualified invoice, due dates off holidays, and
the number format of each document type.

A change applies to documents issued afterwards; documents already issued keep what they were
issued with (their content and PDF are frozen).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from tsunagu.accounts.models import Membership, Organization
from tsunagu.audit import services as audit
from tsunagu.documents import numbering
from tsunagu.documents.models import DocumentSequence, DocumentType

TEXT_FIELDS = (
    "bank_accounts",
    "invoice_remarks",
    "qualified_invoice_document",
    "move_due_dates_off_holidays",
)
IMAGE_FIELDS = ("logo", "seal")


@dataclass(frozen=True)
class NumberFormatRow:
    doc_type: str
    label: str
    number_format: str
    last_number: int

    def next_number(self, on: date) -> str:
        return numbering.format_number(self.number_format, self.last_number + 1, on)


def number_formats(supplier: Organization) -> list[NumberFormatRow]:
    """One row per document type: its format (the default until the supplier sets one) and the
    last number taken, in one query."""
    stored = {row.doc_type: row for row in DocumentSequence.objects.filter(supplier=supplier)}
    rows = []
    for doc_type, label in DocumentType.choices:
        sequence = stored.get(doc_type)
        rows.append(
            NumberFormatRow(
                doc_type=doc_type,
                label=str(label),
                number_format=(
                    sequence.number_format if sequence else numbering.default_format(doc_type)
                ),
                last_number=sequence.last_number if sequence else 0,
            )
        )
    return rows


@transaction.atomic
def update_document_settings(
    supplier: Organization,
    *,
    actor: Membership,
    data: dict[str, Any],
    formats: dict[str, str],
) -> list[str]:
    """Save the settings; returns the names of what changed (audited as one entry).

    `data` holds TEXT_FIELDS and IMAGE_FIELDS as a form cleans them: for an image, an uploaded
    file replaces it, False removes it, None keeps it. `formats` maps a document type to its
    number format (already validated)."""
    organization = Organization.objects.select_for_update(no_key=True).get(pk=supplier.pk)
    changes: dict[str, list[str]] = {}
    for field in TEXT_FIELDS:
        old, new = getattr(organization, field), data[field]
        if old != new:
            changes[field] = [str(old), str(new)]
            setattr(organization, field, new)
    replaced: list[Any] = []
    for field in IMAGE_FIELDS:
        value = data.get(field)
        current = getattr(organization, field)
        if isinstance(value, UploadedFile):
            changes[field] = [current.name or "", value.name or ""]
            if current:
                replaced.append((current.storage, current.name))
            current.save(value.name or f"{field}.png", value, save=False)
        elif value is False and current:
            changes[field] = [current.name, ""]
            replaced.append((current.storage, current.name))
            setattr(organization, field, "")
    if changes:
        organization.save(update_fields=[*changes, "updated_at"])
    for doc_type, number_format in formats.items():
        sequence = numbering.lock_sequence(organization, doc_type)
        if sequence.number_format != number_format:
            changes[f"number_format.{doc_type}"] = [sequence.number_format, number_format]
            sequence.number_format = number_format
            sequence.save(update_fields=["number_format"])
    if changes:
        audit.record(
            "documents.settings_updated",
            actor=actor.user,
            organization=organization,
            target=organization,
            changes=changes,
        )

    def delete_replaced() -> None:
        # Issued PDFs embed the images they were printed with; the old files are not needed.
        for storage, name in replaced:
            storage.delete(name)

    transaction.on_commit(delete_replaced)
    return list(changes)
