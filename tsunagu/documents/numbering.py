"""Document numbers: one counter per supplier and document type, taken under its row lock.

A supplier sets the format with the placeholders {Y} (year, 4 digits), {M} (month, 2), {D} (day,
2) and {seq} or {seq:05} (the counter, zero-padded to 5). The counter never resets and is only
moved inside the issuing transaction, so a rolled-back issue gives its number back: no gaps.
"""

from __future__ import annotations

import re
from datetime import date

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from tsunagu.accounts.models import Organization
from tsunagu.documents.models import Document, DocumentSequence, DocumentType

DEFAULT_PREFIXES: dict[str, str] = {
    DocumentType.DELIVERY_NOTE: "D",
    DocumentType.SHIPPING_SLIP: "S",
    DocumentType.INVOICE: "I",
    DocumentType.PERIODIC_INVOICE: "P",
    DocumentType.CREDIT_NOTE: "C",
}

_PLACEHOLDER = re.compile(r"\{(Y|M|D|seq(?::0?(\d{1,2}))?)\}")
_ANY_BRACE = re.compile(r"[{}]")


def default_format(doc_type: str) -> str:
    """e.g. "D{Y}{M}-{seq:05}" → D202604-00001 for delivery notes."""
    return f"{DEFAULT_PREFIXES[doc_type]}{{Y}}{{M}}-{{seq:05}}"


def validate_number_format(value: str) -> str:
    """Refuse a format that could repeat a number or that holds an unknown placeholder."""
    if not any(m.group(1).startswith("seq") for m in _PLACEHOLDER.finditer(value)):
        raise ValidationError(
            _("The number format needs {seq} (or {seq:05}) so that every number is different."),
            code="no_seq",
        )
    if _ANY_BRACE.search(_PLACEHOLDER.sub("", value)):
        raise ValidationError(
            _("Use only the placeholders {Y}, {M}, {D} and {seq:05} in the number format."),
            code="unknown_placeholder",
        )
    return value


def format_number(number_format: str, sequence: int, on: date) -> str:
    """Fill the placeholders by hand (never str.format on a user's text)."""

    def fill(match: re.Match[str]) -> str:
        key = match.group(1)
        if key == "Y":
            return f"{on.year:04d}"
        if key == "M":
            return f"{on.month:02d}"
        if key == "D":
            return f"{on.day:02d}"
        width = int(match.group(2) or 0)
        return str(sequence).zfill(width)

    return _PLACEHOLDER.sub(fill, number_format)


def sequence_for(supplier: Organization, doc_type: str, *, lock: bool = False) -> DocumentSequence:
    """The supplier's counter for this type (locked until the caller's transaction ends when
    `lock`), made first with the per-type default format if new: one query once it exists."""
    counters = DocumentSequence.objects.filter(supplier=supplier, doc_type=doc_type)
    if lock:
        counters = counters.select_for_update(no_key=True)
    counter = counters.first()
    if counter is not None:
        return counter
    DocumentSequence.objects.bulk_create(
        [
            DocumentSequence(
                supplier=supplier, doc_type=doc_type, number_format=default_format(doc_type)
            )
        ],
        ignore_conflicts=True,
    )
    return counters.get()


def lock_sequence(supplier: Organization, doc_type: str) -> DocumentSequence:
    """The counter, locked until the caller's transaction ends (made first if new)."""
    return sequence_for(supplier, doc_type, lock=True)


def take_if_next(
    supplier: Organization, doc_type: str, value: int, *, number: str, on: date
) -> bool:
    """Move the counter to `value` if that is the next value and the format still gives
    `number` for it (call inside the issuing transaction); False, changing nothing, otherwise.
    The lock is held until the transaction ends, so concurrent issues queue up."""
    sequence = lock_sequence(supplier, doc_type)
    if sequence.last_number + 1 != value:
        return False
    if format_number(sequence.number_format, value, on) != number:
        return False
    sequence.last_number = value
    sequence.save(update_fields=["last_number"])
    return True


def missing_sequences(supplier: Organization, doc_type: str) -> list[int]:
    """Counter values with no document (a gap check for the Electronic Bookkeeping Act)."""
    sequence = DocumentSequence.objects.filter(supplier=supplier, doc_type=doc_type).first()
    if sequence is None:
        return []
    documents: QuerySet[Document] = Document.objects.filter(supplier=supplier, doc_type=doc_type)
    taken = {
        int(value)
        for value in documents.values_list("content__sequence", flat=True)
        if value is not None
    }
    return [n for n in range(1, sequence.last_number + 1) if n not in taken]
