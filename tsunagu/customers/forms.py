from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from tsunagu.accounts.forms import (
    check_new_password,
    email_field,
    fill_in_invited_address,
    name_field,
    new_password_field,
)
from tsunagu.accounts.models import Organization, User
from tsunagu.catalog.forms import LooseDecimalField
from tsunagu.catalog.models import PriceGroup
from tsunagu.core import bounds
from tsunagu.core.registration import passes_corporate_check, validate_registration_number
from tsunagu.core.text import fold_halfwidth_kana, normalize_code
from tsunagu.customers.models import (
    MONTH_END,
    WEEKDAY_LETTERS,
    Customer,
    CustomerInvitation,
    Location,
)

REGISTRATION_CHECK_MESSAGE = _(
    "This number does not pass the corporate number check. Please check each digit. "
    "If it is the number of an individual (個人事業者), tick the box below."
)
DAY_CHOICES = [(d, f"{d}日") for d in range(1, 29)] + [(MONTH_END, "末日")]
WEEKDAY_CHOICES = [(str(i), letter) for i, letter in enumerate(WEEKDAY_LETTERS)]


class CustomerForm(forms.ModelForm[Customer]):
    closing_day = forms.TypedChoiceField(
        label=_("closing day"), choices=DAY_CHOICES, coerce=int, initial=MONTH_END
    )
    payment_month_offset = forms.TypedChoiceField(
        label=_("payment month"),
        coerce=int,
        initial=1,
        choices=[
            (0, _("the same month")),
            (1, _("the next month")),
            (2, _("the month after next")),
        ],
    )
    payment_day = forms.TypedChoiceField(
        label=_("payment day"), choices=DAY_CHOICES, coerce=int, initial=MONTH_END
    )
    delivery_weekdays = forms.MultipleChoiceField(
        label=_("delivery weekdays"),
        choices=WEEKDAY_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        initial=[str(i) for i in range(7)],
    )
    minimum_order_amount = LooseDecimalField(
        label=_("minimum order amount"),
        required=False,
        decimal_places=0,
        validators=bounds.AMOUNT.validators(),
    )
    shipping_fee = LooseDecimalField(
        label=_("shipping fee"),
        required=False,
        decimal_places=0,
        validators=bounds.AMOUNT.validators(),
    )
    free_shipping_threshold = LooseDecimalField(
        label=_("free shipping from"),
        required=False,
        decimal_places=0,
        validators=bounds.AMOUNT.validators(),
        help_text=_("Orders of this amount or more are delivered free."),
    )

    class Meta:
        model = Customer
        fields = [
            "customer_code",
            "name",
            "name_kana",
            "postal_code",
            "address",
            "phone",
            "fax",
            "email",
            "registration_number",
            "registration_is_individual",
            "billing_method",
            "closing_day",
            "payment_month_offset",
            "payment_day",
            "delivery_weekdays",
            "minimum_order_amount",
            "shipping_fee",
            "free_shipping_threshold",
            "price_group",
            "hide_prices",
            "notes",
            "status",
        ]
        widgets = {
            "notes": forms.Textarea(attrs={"rows": 3}),
            "status": forms.RadioSelect,
            "billing_method": forms.RadioSelect,
        }

    def __init__(self, *args: Any, supplier: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.supplier = supplier
        self.fields["price_group"].queryset = PriceGroup.objects.filter(supplier=supplier)  # type: ignore[attr-defined]
        if self.instance.pk:
            self.initial["delivery_weekdays"] = list(self.instance.delivery_weekdays)
        # A browser always sends the checked choice; a script that leaves it out keeps it as is.
        self.fields["billing_method"].required = False

    def clean_customer_code(self) -> str:
        value = normalize_code(self.cleaned_data["customer_code"])
        taken = Customer.objects.filter(supplier=self.supplier, customer_code=value)
        if self.instance.pk:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise ValidationError(_("Another customer already has this code."))
        return value

    def clean_name(self) -> str:
        return fold_halfwidth_kana(self.cleaned_data["name"].strip())

    def clean_billing_method(self) -> str:
        value: str = self.cleaned_data.get("billing_method") or ""
        return value or self.instance.billing_method or Customer.BillingMethod.CLOSING

    def clean_name_kana(self) -> str:
        return fold_halfwidth_kana(self.cleaned_data["name_kana"].strip())

    def clean_registration_number(self) -> str:
        value: str = self.cleaned_data["registration_number"]
        return validate_registration_number(value, is_corporation=False) if value.strip() else ""

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        number = cleaned.get("registration_number")
        # Said after saving, as a message: the number is kept, but someone should compare it.
        self.warnings: list[str] = []
        if number and not passes_corporate_check(number):
            if cleaned.get("registration_is_individual"):
                self.warnings.append(
                    _(
                        "The registration number %(number)s does not pass the corporate number "
                        "check, so it was saved as the number of an individual. Please compare it "
                        "with the customer's registration notice."
                    )
                    % {"number": number}
                )
            else:
                self.add_error("registration_number", REGISTRATION_CHECK_MESSAGE)
        return cleaned

    def clean_delivery_weekdays(self) -> str:
        days: list[str] = self.cleaned_data["delivery_weekdays"]
        return "".join(sorted(days))

    def customer_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class LocationForm(forms.ModelForm[Location]):
    class Meta:
        model = Location
        fields = ["name", "postal_code", "address", "phone", "is_default"]

    def clean_name(self) -> str:
        return fold_halfwidth_kana(self.cleaned_data["name"].strip())

    def clean_postal_code(self) -> str:
        return normalize_code(self.cleaned_data["postal_code"])


class CustomerInvitationForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("How to invite"),
        choices=CustomerInvitation.Kind.choices,
        initial=CustomerInvitation.Kind.LINK,
        widget=forms.RadioSelect,
    )
    email = forms.EmailField(label=_("E-mail address of the person to invite"), required=False)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        wants_mail = cleaned.get("kind") == CustomerInvitation.Kind.EMAIL
        if wants_mail and not cleaned.get("email") and "email" not in self.errors:
            self.add_error("email", _("Enter the e-mail address to send the invitation to."))
        return cleaned


class CustomerJoinForm(forms.Form):
    """A customer's person who has no account yet: their company and their login."""

    company_name = forms.CharField(
        label=_("Your company or shop name"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    name = name_field()
    email = email_field()
    password = new_password_field()

    def __init__(self, *args: Any, invitation: CustomerInvitation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.invitation = invitation
        self.fields["company_name"].initial = invitation.customer.name
        if invitation.kind == CustomerInvitation.Kind.EMAIL:
            fill_in_invited_address(self.fields["email"], invitation.email)

    def clean_email(self) -> str:
        if self.invitation.kind == CustomerInvitation.Kind.EMAIL:
            email = self.invitation.email
        else:
            email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise ValidationError(
                _("This address already has an account. Log in first, then open the link again."),
                code="exists",
            )
        return email

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        check_new_password(self, cleaned)
        return cleaned
