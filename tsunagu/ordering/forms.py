from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from tsunagu.catalog.forms import extra_form_field
from tsunagu.core import bounds
from tsunagu.ordering.models import OrderFormField


class SupplierOrderForm(forms.Form):
    """The supplier's own questions on an order (OrderFormField), validated by kind."""

    prefix = "form"

    def __init__(self, *args: Any, definitions: list[OrderFormField], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.definitions = definitions
        for definition in definitions:
            self.fields[definition.key] = extra_form_field(definition)  # type: ignore[arg-type]

    def answers(self) -> dict[str, str]:
        """{label: answer} as stored on the order and shown to both sides."""
        values = {}
        for definition in self.definitions:
            value = self.cleaned_data.get(definition.key)
            if value in (None, ""):
                continue
            values[definition.label] = value.isoformat() if isinstance(value, date) else str(value)
        return values


class OrderFormFieldForm(forms.ModelForm[OrderFormField]):
    class Meta:
        model = OrderFormField
        fields = ["label", "key", "kind", "choices", "is_required"]
        widgets = {"kind": forms.RadioSelect, "choices": forms.Textarea(attrs={"rows": 3})}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if (
            cleaned.get("kind") == OrderFormField.Kind.CHOICE
            and not (cleaned.get("choices") or "").strip()
        ):
            self.add_error("choices", _("Write at least one choice, one per line."))
        return cleaned

    def clean_key(self) -> str:
        key: str = self.cleaned_data["key"]
        if not key:
            raise ValidationError(_("Enter a key."))
        return key


def posted_version(text: str) -> int:
    """The order version the page was shown with; one that is not a number (a tampered form)
    matches no order, so the person is told to reload instead of getting an error page."""
    text = text or "0"
    return bounds.whole(text) if text.isascii() and text.isdigit() else -1
