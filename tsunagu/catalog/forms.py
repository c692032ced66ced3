from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from tsunagu.accounts.models import Organization
from tsunagu.catalog.models import PriceGroup, Product, ProductField
from tsunagu.core import bounds, images
from tsunagu.core.barcodes import validate_jan
from tsunagu.core.text import fold_halfwidth_kana, normalize_code, normalize_number_text
from tsunagu.customers.models import Customer

MAX_PHOTO_BYTES = 5 * 1024 * 1024
# Pixels kept of a product photo's longest side: the catalogue shows it at most ~600 px wide.
PHOTO_SIDE = 1600


class LooseDecimalField(forms.DecimalField):
    """Accepts what people type: full-width digits, commas, a yen sign. A text box, not a
    number box: a browser's number box refuses what a Japanese keyboard (IME) types."""

    widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]
        if isinstance(value, str):
            value = normalize_number_text(value)
        number = super().to_python(value)
        return None if number is None else Decimal(number)


class LooseIntegerField(forms.IntegerField):
    widget = forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"})

    def to_python(self, value: Any) -> int | None:
        if isinstance(value, str):
            value = normalize_number_text(value)
        number = super().to_python(value)
        return None if number is None else int(number)


def extra_form_field(definition: ProductField) -> forms.Field:
    label, required = definition.label, definition.is_required
    if definition.kind == ProductField.Kind.NUMBER:
        return LooseDecimalField(
            label=label,
            required=required,
            decimal_places=4,
            validators=bounds.EXTRA_NUMBER.validators(),
        )
    if definition.kind == ProductField.Kind.DATE:
        return forms.DateField(
            label=label, required=required, widget=forms.DateInput(attrs={"type": "date"})
        )
    if definition.kind == ProductField.Kind.CHOICE:
        choices = [("", "---------"), *[(c, c) for c in definition.choice_list]]
        return forms.ChoiceField(label=label, required=required, choices=choices)
    return forms.CharField(label=label, required=required, max_length=200)


class ProductForm(forms.ModelForm[Product]):
    unit_price = LooseDecimalField(
        label=_("unit price (tax excluded)"),
        decimal_places=2,
        validators=bounds.UNIT_PRICE.validators(),
    )
    units_per_case = LooseIntegerField(
        label=_("units per case"),
        required=False,
        validators=bounds.UNITS_PER_CASE.validators(),
    )
    min_quantity = LooseIntegerField(
        label=_("minimum quantity"), initial=1, validators=bounds.QUANTITY.validators()
    )
    order_multiple = LooseIntegerField(
        label=_("order multiple"), initial=1, validators=bounds.QUANTITY.validators()
    )
    stock = LooseDecimalField(
        label=_("stock"),
        required=False,
        help_text=_(
            "What can still be ordered. Each order takes its pieces out of this number when it "
            "is placed and gives them back if it is cancelled. Empty: stock is not tracked."
        ),
        decimal_places=2,
        validators=bounds.STOCK.validators(),
    )
    max_quantity = LooseIntegerField(
        label=_("maximum quantity per order"),
        required=False,
        validators=bounds.QUANTITY.validators(),
        help_text=_(
            "The most one order may ask for, in the product's unit. "
            "Empty: the default of the organization settings (9,999 unless set)."
        ),
    )

    class Meta:
        model = Product
        fields = [
            "product_code",
            "name",
            "name_kana",
            "jan_code",
            "category",
            "unit",
            "units_per_case",
            "sold_by_piece",
            "sold_by_case",
            "unit_price",
            "tax_rate",
            "min_quantity",
            "order_multiple",
            "max_quantity",
            "stock",
            "photo",
            "description",
            "is_active",
            "visibility",
            "visible_to",
        ]
        widgets = {
            "tax_rate": forms.RadioSelect,
            "visibility": forms.RadioSelect,
            "visible_to": forms.CheckboxSelectMultiple,
            "description": forms.Textarea(attrs={"rows": 3}),
            "jan_code": forms.TextInput(attrs={"inputmode": "numeric"}),
        }

    def __init__(self, *args: Any, supplier: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.supplier = supplier
        self.fields["visible_to"].queryset = Customer.objects.filter(supplier=supplier)  # type: ignore[attr-defined]
        self.extra_definitions = list(ProductField.objects.filter(supplier=supplier))
        for definition in self.extra_definitions:
            name = f"extra_{definition.key}"
            self.fields[name] = extra_form_field(definition)
            if self.instance.pk and definition.key in self.instance.extra:
                self.initial[name] = self.instance.extra[definition.key]

    def clean_product_code(self) -> str:
        value = normalize_code(self.cleaned_data["product_code"])
        taken = Product.objects.filter(supplier=self.supplier, product_code=value)
        if self.instance.pk:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise ValidationError(_("Another product already has this code."))
        return value

    def clean_photo(self) -> Any:
        photo = self.cleaned_data.get("photo")
        if photo and getattr(photo, "size", 0) > MAX_PHOTO_BYTES:
            raise ValidationError(_("The photo is larger than 5 MB. Choose a smaller one."))
        if photo and hasattr(photo, "content_type"):
            # A new upload: the same pixel bounds as logos (tsunagu.core.images), scaled down.
            return images.shrunk_upload(
                photo, longest_side=PHOTO_SIDE, formats=images.PHOTO_FORMATS
            )
        return photo

    def clean_jan_code(self) -> str:
        value: str = self.cleaned_data["jan_code"]
        return validate_jan(value) if value.strip() else ""

    def clean_name(self) -> str:
        return fold_halfwidth_kana(self.cleaned_data["name"].strip())

    def clean_name_kana(self) -> str:
        return fold_halfwidth_kana(self.cleaned_data["name_kana"].strip())

    def extra_values(self) -> dict[str, Any]:
        values = {}
        for definition in self.extra_definitions:
            value = self.cleaned_data.get(f"extra_{definition.key}")
            if value in (None, ""):
                continue
            values[definition.key] = (
                value.isoformat()
                if isinstance(value, date)
                else (str(value) if isinstance(value, Decimal) else value)
            )
        return values

    def product_data(self) -> dict[str, Any]:
        data = {name: self.cleaned_data[name] for name in self.Meta.fields if name != "visible_to"}
        data["extra"] = self.extra_values()
        return data


class PriceGroupForm(forms.ModelForm[PriceGroup]):
    rate = LooseDecimalField(
        label=_("rate (%)"),
        decimal_places=2,
        validators=bounds.RATE_PERCENT.validators(),
        help_text=_("e.g. 85 means 85 percent of the list price."),
    )

    class Meta:
        model = PriceGroup
        fields = ["name", "rate"]


class ProductFieldForm(forms.ModelForm[ProductField]):
    class Meta:
        model = ProductField
        fields = ["label", "key", "kind", "choices", "is_required"]
        widgets = {"kind": forms.RadioSelect, "choices": forms.Textarea(attrs={"rows": 3})}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if (
            cleaned.get("kind") == ProductField.Kind.CHOICE
            and not (cleaned.get("choices") or "").strip()
        ):
            self.add_error("choices", _("Write at least one choice, one per line."))
        return cleaned


class CustomerPriceForm(forms.Form):
    product_code = forms.CharField(label=_("product code"), max_length=40)
    unit_price = LooseDecimalField(
        label=_("price for this customer (tax excluded)"),
        decimal_places=2,
        validators=bounds.UNIT_PRICE.validators(),
    )

    def __init__(self, *args: Any, supplier: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.supplier = supplier
        self.product: Product | None = None

    def clean_product_code(self) -> str:
        code = normalize_code(self.cleaned_data["product_code"])
        self.product = Product.objects.filter(
            supplier=self.supplier, product_code__iexact=code
        ).first()
        if self.product is None:
            raise ValidationError(_("No product has the code %(code)s."), params={"code": code})
        return code
