from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from tsunagu.accounts.models import Invitation, Organization, Role, User
from tsunagu.core import bounds
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
        if not text.isascii() or not text.isdigit():
            raise ValidationError(_("Write the amount in yen as a whole number, e.g. 30000."))
        if problem := bounds.AMOUNT.problem(Decimal(text)):
            raise ValidationError(problem)
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


def new_password_field() -> forms.CharField:
    """One password field (typed once) with a show button (static/accounts/password-toggle.js),
    kept after an error so that nothing typed is lost; the phone offers a strong password."""
    return forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(
            render_value=True,
            attrs={
                "autocomplete": "new-password",
                "autocapitalize": "off",
                "spellcheck": "false",
                "data-password-toggle": "",
                "data-show-label": _("Show"),
                "data-hide-label": _("Hide"),
            },
        ),
        help_text=_("At least 10 characters. Avoid easy words and numbers only."),
    )


def email_field() -> forms.EmailField:
    return forms.EmailField(
        label=_("E-mail address"),
        widget=forms.EmailInput(
            attrs={"autocomplete": "email", "autocapitalize": "off", "spellcheck": "false"}
        ),
    )


def name_field() -> forms.CharField:
    return forms.CharField(
        label=_("Your name"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )


def fill_in_invited_address(field: forms.Field, email: str) -> None:
    """The address the invitation was sent to, shown read-only. Read-only rather than disabled:
    the phone's password manager then saves the new password under it."""
    field.initial = email
    field.required = False
    field.help_text = _("The address the invitation was sent to.")
    field.widget.attrs.update({"readonly": True, "autocomplete": "username"})


def check_new_password(form: forms.Form, cleaned: dict[str, Any], field: str = "password") -> None:
    password = cleaned.get(field)
    if password:
        candidate = User(email=cleaned.get("email", ""), name=cleaned.get("name", ""))
        try:
            password_validation.validate_password(password, candidate)
        except ValidationError as error:
            form.add_error(field, error)


class JoinForm(forms.Form):
    """A new person's account, made while accepting an invitation."""

    email = email_field()
    name = name_field()
    password = new_password_field()

    def __init__(self, *args: Any, invitation: Invitation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.invitation = invitation
        if invitation.kind == Invitation.Kind.EMAIL:
            fill_in_invited_address(self.fields["email"], invitation.email)

    def clean_email(self) -> str:
        if self.invitation.kind == Invitation.Kind.EMAIL:
            # A mailed invitation is for its addressee: whatever is posted, that address joins.
            email = self.invitation.email
        else:
            email = self.cleaned_data["email"].strip().lower()
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
        check_new_password(self, cleaned)
        return cleaned
