from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tsunagu.core.ids import uuid7
from tsunagu.core.models import BaseModel
from tsunagu.core.money import Rounding


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields: Any) -> User:
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields: Any) -> User:
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person. Logs in by e-mail; belongs to organizations through memberships."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    email = models.EmailField(_("e-mail address"), max_length=254, unique=True)
    name = models.CharField(_("name"), max_length=100, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("platform operator"), default=False)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.name or self.email

    def clean(self) -> None:
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()


class Organization(BaseModel):
    """A company. It may sell (supplier), buy (buyer), or both."""

    code = models.SlugField(
        _("organization code"),
        max_length=40,
        unique=True,
        help_text=_("A short unique code used by commands, e.g. demo-supplier."),
    )
    name = models.CharField(_("organization name"), max_length=200)
    name_kana = models.CharField(_("name (kana)"), max_length=200, blank=True)
    is_supplier = models.BooleanField(_("supplier"), default=False)
    is_buyer = models.BooleanField(_("buyer"), default=False)
    postal_code = models.CharField(_("postal code"), max_length=8, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    fax = models.CharField(_("FAX"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail address"), blank=True)
    is_corporation = models.BooleanField(
        _("corporation"),
        default=True,
        help_text=_("Corporations' registration numbers are checked with their check digit."),
    )
    registration_number = models.CharField(
        _("registration number"),
        max_length=14,
        blank=True,
        help_text=_("The qualified invoice issuer number: T followed by 13 digits."),
    )
    logo = models.ImageField(_("logo"), upload_to="logos/", blank=True)
    rounding = models.CharField(
        _("rounding of yen amounts"),
        max_length=10,
        choices=Rounding.choices,
        default=Rounding.DOWN,
        help_text=_("How line amounts and consumption tax are rounded to whole yen."),
    )
    allowed_email_domains = models.CharField(
        _("allowed mail domains"),
        max_length=500,
        blank=True,
        help_text=_(
            "Only people with an address at these domains can join, e.g. example.co.jp. "
            "Separate several with commas. Leave empty to allow any address."
        ),
    )
    bank_accounts = models.TextField(
        _("bank accounts"), blank=True, help_text=_("Printed on invoices, one account per line.")
    )
    invoice_remarks = models.TextField(_("remarks on invoices"), blank=True)
    seal = models.ImageField(_("company seal"), upload_to="seals/", blank=True)
    qualified_invoice_document = models.CharField(
        _("document that serves as the qualified invoice"),
        max_length=20,
        default="invoice",
        help_text=_("invoice, periodic_invoice or delivery_note"),
    )
    move_due_dates_off_holidays = models.BooleanField(
        _("move due dates off weekends and holidays"), default=True
    )
    approval_threshold = models.DecimalField(
        _("approval needed above"),
        max_digits=12,
        decimal_places=0,
        null=True,
        blank=True,
        help_text=_(
            "Orders by members above this amount (tax excluded) wait for an administrator's "
            "approval before they reach the supplier. Leave empty for no approval."
        ),
    )
    max_order_quantity = models.PositiveIntegerField(
        _("most of one product per order"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(999_999)],
        help_text=_(
            "For products without a limit of their own: the most one order line may ask for, "
            "in the product's unit. Empty: 9,999."
        ),
    )
    require_two_factor = models.BooleanField(
        _("require two-step verification"),
        default=False,
        help_text=_("Members without two-step verification must set it up before anything else."),
    )

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        ordering = ["name_kana", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def email_domains(self) -> list[str]:
        return [
            domain.strip().lstrip("@").lower()
            for domain in self.allowed_email_domains.split(",")
            if domain.strip()
        ]

    def allows_email(self, email: str) -> bool:
        domains = self.email_domains
        return not domains or email.rsplit("@", 1)[-1].lower() in domains


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    ADMIN = "admin", _("Administrator")
    MEMBER = "member", _("Member")
    VIEWER = "viewer", _("Viewer")
    SHIPPING = "shipping", _("Shipping")


class Membership(BaseModel):
    """A user's place in an organization, with one role."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.MEMBER)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization"], name="accounts_membership_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organization} ({self.role})"

    @property
    def is_admin(self) -> bool:
        return self.role in {Role.OWNER, Role.ADMIN}


class Invitation(BaseModel):
    """An invitation to join an organization with a role: by e-mail, or as a link / QR code.

    Single use and expiring. Only the SHA-256 of the token is stored: the link is shown once.
    """

    class Kind(models.TextChoices):
        EMAIL = "email", _("E-mail")
        LINK = "link", _("Link or QR code")

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="invitations"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    email = models.EmailField(_("e-mail address"), blank=True)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.MEMBER)
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    expires_at = models.DateTimeField(_("expires at"))
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    # A link used by someone whose address is not confirmed yet: the link is used up, and the
    # membership is made once they confirm it (an address typed on a shared link proves nothing).
    awaiting_confirmation = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.organization}: {self.email or self.get_kind_display()} ({self.role})"

    def is_addressed_to(self, email: str) -> bool:
        """True for an e-mail invitation sent to this very address."""
        return self.kind == self.Kind.EMAIL and self.email.lower() == email.strip().lower()
