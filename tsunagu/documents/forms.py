"""Forms of the document pages: search, mail, void, credit note, issue from an order."""

from __future__ import annotations

import unicodedata
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tsunagu.accounts.models import Organization
from tsunagu.core import images
from tsunagu.core.text import normalize_number_text
from tsunagu.documents import numbering
from tsunagu.documents.document_settings import NumberFormatRow
from tsunagu.documents.issuing import PRINTED_SIDE, DocLine
from tsunagu.documents.models import DocumentType
from tsunagu.documents.selectors import DocumentSearch
from tsunagu.documents.services import FROM_ORDER, CreditQuantity
from tsunagu.integrations.csv.schema import CellError, calendar_date

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class AmountField(forms.CharField):
    """Whole yen as people type it: "1,200", "１２００円" and "¥1200" are 1200."""

    default_error_messages = {"invalid": _("Enter an amount in yen, e.g. 12000.")}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "numeric"}))
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]
        text = normalize_number_text(str(value or ""))
        if not text:
            return None
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None
        if not amount.is_finite():
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return amount


class DocumentSearchForm(forms.Form):
    """Every field optional, any combination; a bad field shows its error and the others still
    narrow the list."""

    issued_from = forms.DateField(label=_("Issued from"), required=False, widget=_DATE)
    issued_to = forms.DateField(label=_("Issued until"), required=False, widget=_DATE)
    amount_min = AmountField(label=_("Total from (yen)"), required=False)
    amount_max = AmountField(label=_("Total up to (yen)"), required=False)
    counterparty = forms.CharField(label=_("Customer code or name"), required=False, max_length=100)
    doc_type = forms.ChoiceField(
        label=_("Document type"),
        required=False,
        choices=[("", _("All types")), *DocumentType.choices],
    )

    def __init__(self, *args: Any, counterparty_label: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if counterparty_label:
            self.fields["counterparty"].label = counterparty_label

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("issued_from"), cleaned.get("issued_to")
        if start and end and start > end:
            self.add_error("issued_to", _("The end date is before the start date."))
        low, high = cleaned.get("amount_min"), cleaned.get("amount_max")
        if low is not None and high is not None and low > high:
            self.add_error("amount_max", _("The upper amount is below the lower amount."))
        return cleaned

    def search(self) -> DocumentSearch:
        """The valid fields as a search (call after is_valid())."""
        data = getattr(self, "cleaned_data", {})
        return DocumentSearch(
            issued_from=data.get("issued_from"),
            issued_to=data.get("issued_to"),
            amount_min=data.get("amount_min"),
            amount_max=data.get("amount_max"),
            counterparty=(data.get("counterparty") or "").strip(),
            doc_type=data.get("doc_type") or "",
        )


MAX_IMAGE_BYTES = 2 * 1024 * 1024


def _printable_image(image: Any, *, longest_side: int) -> Any:
    """A logo or seal the PDF can print: PNG or JPEG, at most 2 MB and within the pixel bounds
    of tsunagu.core.images (a small file can hold a huge image), scaled down to what the
    documents print (see PRINTED_SIDE)."""
    if not image or image is False or not hasattr(image, "size"):
        return image
    if image.size > MAX_IMAGE_BYTES:
        raise ValidationError(_("The image is larger than 2 MB. Choose a smaller one."))
    return images.shrunk_upload(image, longest_side=longest_side)


class DocumentSettingsForm(forms.ModelForm[Organization]):
    """What every document prints and how it is numbered (the supplier's admins)."""

    qualified_invoice_document = forms.ChoiceField(
        label=_("Document that serves as the qualified invoice"),
        choices=[
            (DocumentType.INVOICE, _("Invoices (per order and periodic)")),
            (DocumentType.PERIODIC_INVOICE, _("Periodic invoices only")),
            (DocumentType.DELIVERY_NOTE, _("Delivery notes")),
        ],
        help_text=_(
            "It carries your registration number and the tax per rate. Usually the invoices."
        ),
    )

    class Meta:
        model = Organization
        fields = [
            "logo",
            "seal",
            "bank_accounts",
            "invoice_remarks",
            "qualified_invoice_document",
            "move_due_dates_off_holidays",
        ]
        widgets = {
            "logo": forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg"}),
            "seal": forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg"}),
            "bank_accounts": forms.Textarea(
                attrs={"rows": 3, "placeholder": "つなぐ銀行 本店 普通 1234567 カ）ツナグショウジ"}
            ),
            "invoice_remarks": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "logo": _("PNG or JPEG, up to 2 MB. Printed at the top left of every document."),
            "seal": _("PNG or JPEG, up to 2 MB. Printed over your name on every document."),
            "move_due_dates_off_holidays": _(
                "A due date on a Saturday, Sunday or holiday moves to the next business day."
            ),
        }

    def __init__(self, *args: Any, formats: list[NumberFormatRow], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.formats = formats
        for row in formats:
            self.fields[f"format_{row.doc_type}"] = forms.CharField(
                label=_("Number format: %(type)s") % {"type": row.label},
                initial=row.number_format,
                max_length=60,
                widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
                error_messages={"required": _("Enter a number format, e.g. {Y}{M}-{seq:05}.")},
            )

    def clean_logo(self) -> Any:
        return _printable_image(self.cleaned_data.get("logo"), longest_side=PRINTED_SIDE["logo"])

    def clean_seal(self) -> Any:
        return _printable_image(self.cleaned_data.get("seal"), longest_side=PRINTED_SIDE["seal"])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for row in self.formats:
            name = f"format_{row.doc_type}"
            value = cleaned.get(name)
            if not value:
                continue
            # Full-width braces, digits and letters as typed on a Japanese keyboard.
            value = unicodedata.normalize("NFKC", value).strip()
            try:
                cleaned[name] = numbering.validate_number_format(value)
            except ValidationError as error:
                self.add_error(name, error)
        return cleaned

    def format_fields(self) -> list[tuple[NumberFormatRow, forms.BoundField, str]]:
        """Each number format's field with the next number it gives today."""
        today = timezone.localdate()
        return [
            (row, self[f"format_{row.doc_type}"], row.next_number(today)) for row in self.formats
        ]

    def settings_data(self) -> dict[str, Any]:
        """The organization fields as cleaned (an image: a file, False to remove, None to keep)."""
        data = {field: self.cleaned_data[field] for field in self.Meta.fields}
        for field in ("logo", "seal"):
            if field not in self.files and data[field] is not False:
                data[field] = None
        return data

    def formats_data(self) -> dict[str, str]:
        return {row.doc_type: self.cleaned_data[f"format_{row.doc_type}"] for row in self.formats}


class MailForm(forms.Form):
    to = forms.EmailField(
        label=_("Send to"),
        error_messages={
            "required": _("Enter the e-mail address to send it to."),
            "invalid": _("Enter an e-mail address, e.g. keiri@example.co.jp."),
        },
    )


class VoidForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for voiding"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Write the reason for voiding this document.")},
    )


class MarkPaidForm(forms.Form):
    """When the money of an invoice marked paid arrived (today when left empty)."""

    received_on = forms.CharField(
        label=_("Received on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args: Any, today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today

    def clean_received_on(self) -> date:
        try:
            day = calendar_date(self.cleaned_data.get("received_on") or "")
        except CellError as error:
            raise forms.ValidationError(str(error)) from None
        if day is None:
            return self.today
        if day > self.today:
            raise forms.ValidationError(
                _("%(date)s has not come yet: enter the day the money arrived.")
                % {"date": day.isoformat()}
            )
        return day


class IssueFromOrderForm(forms.Form):
    doc_type = forms.ChoiceField(
        choices=[(value, label) for value, label in DocumentType.choices if value in FROM_ORDER]
    )


class CreditNoteForm(forms.Form):
    """How many of each line of the original to take back, and why."""

    reason = forms.CharField(
        label=_("Reason for the correction"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Printed on the credit note, e.g. 2 returned because they were damaged."),
        error_messages={
            "required": _("Write the reason for the correction: it is printed on the note.")
        },
    )

    def __init__(
        self, *args: Any, lines: list[DocLine], left: dict[int, int], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.lines = lines
        self.left = left
        for index, line in enumerate(lines):
            self.fields[f"line_{index}"] = forms.IntegerField(
                label=line.product_name,
                required=False,
                min_value=0,
                max_value=max(left.get(index, line.quantity), 0),
                initial=0,
                disabled=left.get(index, line.quantity) <= 0,
                widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "qty-input"}),
            )

    def rows(self) -> list[tuple[DocLine, int, forms.BoundField]]:
        return [
            (line, self.left.get(index, line.quantity), self[f"line_{index}"])
            for index, line in enumerate(self.lines)
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.errors and not any(
            cleaned.get(f"line_{index}") for index in range(len(self.lines))
        ):
            raise forms.ValidationError(_("Choose at least one line to correct."))
        return cleaned

    def quantities(self) -> list[CreditQuantity]:
        return [
            CreditQuantity(index, int(self.cleaned_data.get(f"line_{index}") or 0))
            for index in range(len(self.lines))
            if self.cleaned_data.get(f"line_{index}")
        ]
