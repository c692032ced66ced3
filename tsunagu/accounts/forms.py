from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from tsunagu.accounts.models import Invitation, Organization, Role, User
from tsunagu.core.registration import validate_registration_number
from tsunagu.core.text import normalize_number_text

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class OrganizationForm(forms.ModelForm[Organization]):
    # Longer than the stored 14 characters: people type full-width digits, spaces and hyphens.
    registration_number = forms.CharField(
        label=_("registration number"),
        max_length=30,
        required=False,
        help_text=_("The qualified invoice issuer number: T followed by 13 digits."),
        widget=forms.TextInput(attrs={"placeholder": "T1234567890123"}),
    )

    class Meta:
        model = Organization
        fields = [
            "name",
            "name_kana",
            "postal_code",
            "address",
            "phone",
            "fax",
            "email",
            "is_corporation",
            "registration_number",
            "rounding",
            "max_order_quantity",
            "allowed_email_domains",
            "require_two_factor",
        ]
        widgets = {
            "postal_code": forms.TextInput(
                attrs={"inputmode": "numeric", "autocomplete": "postal-code"}
            ),
            "phone": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
            "fax": forms.TextInput(attrs={"inputmode": "tel"}),
            "max_order_quantity": forms.TextInput(
                attrs={"inputmode": "numeric", "autocomplete": "off"}
            ),
        }

    # Matters of a company that sells: not asked of one that only buys.
    SUPPLIER_FIELDS = (
        "is_corporation",
        "registration_number",
        "rounding",
        "max_order_quantity",
        "allowed_email_domains",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        organization = self.instance
        if organization.is_buyer:
            self.fields["approval_threshold"] = forms.CharField(
                label=_("Orders that need approval: above (yen, tax excluded)"),
                required=False,
                max_length=20,
                initial=organization.approval_threshold,
                help_text=_(
                    "An order by a member (not an owner or administrator) above this amount, "
                    "tax excluded, waits until an owner or administrator approves it: only then "
                    "does it reach the supplier. The member sees this before sending. "
                    "Leave empty to send every order at once."
                ),
                widget=forms.TextInput(
                    attrs={"inputmode": "numeric", "autocomplete": "off", "placeholder": "30000"}
                ),
            )
            if organization.approval_threshold is not None:
                self.initial["approval_threshold"] = f"{organization.approval_threshold:.0f}"
        if not organization.is_supplier:
            for name in self.SUPPLIER_FIELDS:
                self.fields.pop(name, None)

    def clean_approval_threshold(self) -> Decimal | None:
        text = normalize_number_text(self.cleaned_data.get("approval_threshold") or "")
        if not text:
            return None
        if not text.isascii() or not text.isdigit() or len(text) > 11:
            raise ValidationError(
                _("Write the amount in yen as a whole number, e.g. 30000 (up to 11 digits).")
            )
        return Decimal(text)

    def clean_allowed_email_domains(self) -> str:
        value: str = self.cleaned_data["allowed_email_domains"]
        domains = [d.strip().lstrip("@").lower() for d in value.replace("、", ",").split(",")]
        domains = [d for d in domains if d]
        for domain in domains:
            if "." not in domain or " " in domain or "@" in domain:
                raise ValidationError(
                    _("%(domain)s is not a mail domain. Write it like example.co.jp."),
                    params={"domain": domain},
                )
        return ", ".join(domains)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        number = cleaned.get("registration_number")
        if number:
            try:
                cleaned["registration_number"] = validate_registration_number(
                    number, is_corporation=bool(cleaned.get("is_corporation"))
                )
            except ValidationError as error:
                self.add_error("registration_number", error)
        return cleaned


def role_choices(
    for_owner: bool, organization: Organization | None = None
) -> list[tuple[str, StrOrPromise]]:
    """The roles one may give; the shipping role only in a company that sells and ships."""
    return [
        (value, label)
        for value, label in Role.choices
        if (for_owner or value != Role.OWNER)
        and not (
            value == Role.SHIPPING and organization is not None and not organization.is_supplier
        )
    ]


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), widget=forms.RadioSelect)

    def __init__(
        self,
        *args: Any,
        for_owner: bool,
        organization: Organization | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = role_choices(for_owner, organization)  # type: ignore[attr-defined]


class InvitationForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("How to invite"),
        choices=Invitation.Kind.choices,
        initial=Invitation.Kind.EMAIL,
        widget=forms.RadioSelect,
    )
    email = forms.EmailField(
        label=_("E-mail address of the person to invite"),
        required=False,
        help_text=_("Needed when inviting by e-mail."),
    )
    role = forms.ChoiceField(label=_("Role"), initial=Role.MEMBER, widget=forms.RadioSelect)

    def __init__(
        self, *args: Any, organization: Organization, for_owner: bool, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.fields["role"].choices = role_choices(for_owner, organization)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("kind") == Invitation.Kind.EMAIL:
            email = cleaned.get("email")
            if not email:
                if "email" not in self.errors:
                    self.add_error(
                        "email", _("Enter the e-mail address to send the invitation to.")
                    )
            elif not self.organization.allows_email(email):
                self.add_error(
                    "email",
                    _("Only addresses at %(domains)s can join this organization.")
                    % {"domains": ", ".join(self.organization.email_domains)},
                )
        return cleaned


class JoinForm(forms.Form):
    """A new person's account, made while accepting an invitation."""

    email = forms.EmailField(label=_("E-mail address"))
    name = forms.CharField(label=_("Your name"), max_length=100)
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 10 characters. Avoid easy words and numbers only."),
    )
    password2 = forms.CharField(
        label=_("Password (again)"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args: Any, invitation: Invitation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.invitation = invitation
        if invitation.kind == Invitation.Kind.EMAIL:
            self.fields["email"].initial = invitation.email
            self.fields["email"].disabled = True

    def clean_email(self) -> str:
        email: str = self.cleaned_data["email"].strip().lower()
        organization = self.invitation.organization
        if not organization.allows_email(email):
            raise ValidationError(
                _("Only addresses at %(domains)s can join this organization."),
                params={"domains": ", ".join(organization.email_domains)},
            )
        if User.objects.filter(email__iexact=email).exists():
            raise ValidationError(
                _("This address already has an account. Log in first, then open the link again."),
                code="exists",
            )
        return email

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ. Type the same one twice."))
        elif first:
            candidate = User(email=cleaned.get("email", ""), name=cleaned.get("name", ""))
            try:
                password_validation.validate_password(first, candidate)
            except ValidationError as error:
                self.add_error("password1", error)
        return cleaned
