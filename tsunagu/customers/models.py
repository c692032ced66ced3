from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from tsunagu.accounts.models import Organization, User
from tsunagu.core.models import BaseModel

MONTH_END = 31
WEEKDAY_LETTERS = "月火水木金土日"  # Monday = 0


class Customer(BaseModel):
    """A buyer as one supplier knows it (得意先): its code, terms and prices. Needs no login;
    linked to the buyer's organization once its people accept an invitation."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")

    supplier = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="customers")
    customer_code = models.CharField(_("customer code"), max_length=40)
    name = models.CharField(_("customer name"), max_length=200)
    name_kana = models.CharField(_("customer name (kana)"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=8, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    fax = models.CharField(_("FAX"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail address"), blank=True)
    registration_number = models.CharField(_("registration number"), max_length=14, blank=True)
    # Numbers of individuals (個人事業者) have no corporate check digit; see the decision record.
    registration_is_individual = models.BooleanField(
        _("this is the number of an individual (個人事業者)"),
        default=False,
        help_text=_(
            "Tick this only for a sole proprietor: their numbers have no corporate check digit."
        ),
    )

    class BillingMethod(models.TextChoices):
        CLOSING = "closing", _("By closing day (periodic invoice)")
        PER_ORDER = "per_order", _("Per delivery (an invoice for each order)")

    billing_method = models.CharField(
        _("billing"),
        max_length=10,
        choices=BillingMethod.choices,
        default=BillingMethod.CLOSING,
        help_text=_(
            "By closing day: one invoice for everything delivered up to the closing day. "
            "Per delivery: an invoice for each delivered order, due by the payment terms."
        ),
    )
    closing_day = models.PositiveSmallIntegerField(
        _("closing day"),
        default=MONTH_END,
        validators=[MinValueValidator(1), MaxValueValidator(MONTH_END)],
        help_text=_("1 to 28, or 31 for the end of the month."),
    )
    payment_month_offset = models.PositiveSmallIntegerField(
        _("payment month"),
        default=1,
        validators=[MaxValueValidator(2)],
        help_text=_("0: the same month, 1: the next month, 2: the month after."),
    )
    payment_day = models.PositiveSmallIntegerField(
        _("payment day"),
        default=MONTH_END,
        validators=[MinValueValidator(1), MaxValueValidator(MONTH_END)],
        help_text=_("1 to 28, or 31 for the end of the month."),
    )
    delivery_weekdays = models.CharField(
        _("delivery weekdays"),
        max_length=7,
        default="0123456",
        help_text=_("Digits of the weekdays deliveries are received, Monday = 0."),
    )
    minimum_order_amount = models.DecimalField(
        _("minimum order amount"), max_digits=12, decimal_places=0, null=True, blank=True
    )
    shipping_fee = models.DecimalField(
        _("shipping fee"), max_digits=12, decimal_places=0, null=True, blank=True
    )
    free_shipping_threshold = models.DecimalField(
        _("free shipping from"),
        max_digits=12,
        decimal_places=0,
        null=True,
        blank=True,
        help_text=_("Orders of this amount or more are delivered free."),
    )
    price_group = models.ForeignKey(
        "catalog.PriceGroup",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="customers",
        verbose_name=_("price group"),
    )
    hide_prices = models.BooleanField(
        _("hide prices"),
        default=False,
        help_text=_("The customer's people order without seeing prices."),
    )
    delivery_route = models.CharField(
        _("delivery route"),
        max_length=40,
        blank=True,
        help_text=_("The route or truck that serves this customer, for picking lists."),
    )
    notes = models.TextField(_("notes"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    buyer = models.ForeignKey(
        Organization,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="supplier_accounts",
        verbose_name=_("buyer organization"),
    )

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["customer_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["supplier", "customer_code"], name="customers_customer_code_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_code} {self.name}"

    @property
    def weekday_set(self) -> frozenset[int]:
        return frozenset(int(d) for d in self.delivery_weekdays if d.isdigit())

    @property
    def weekdays_label(self) -> str:
        return "".join(WEEKDAY_LETTERS[d] for d in sorted(self.weekday_set))

    @property
    def terms_label(self) -> str:
        """e.g. 20日締め翌月末払い; 都度請求（20日締め翌月末払い） for a customer billed per
        delivery (its invoices fall due by the same terms)."""
        closing = "末" if self.closing_day == MONTH_END else f"{self.closing_day}日"
        month = {0: "当月", 1: "翌月", 2: "翌々月"}[self.payment_month_offset]
        day = "末" if self.payment_day == MONTH_END else f"{self.payment_day}日"
        terms = f"{closing}締め{month}{day}払い"
        if self.billing_method == self.BillingMethod.PER_ORDER:
            return f"都度請求（{terms}）"
        return terms

    def shipping_fee_for(self, amount: Decimal) -> Decimal:
        if not self.shipping_fee:
            return Decimal(0)
        if self.free_shipping_threshold is not None and amount >= self.free_shipping_threshold:
            return Decimal(0)
        return self.shipping_fee


class Location(BaseModel):
    """A place the goods go to (店舗 / 納品先). A customer has one or more."""

    supplier = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="locations")
    name = models.CharField(_("location name"), max_length=200)
    postal_code = models.CharField(_("postal code"), max_length=8, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    is_default = models.BooleanField(_("default"), default=False)

    class Meta:
        verbose_name = _("location")
        verbose_name_plural = _("locations")
        ordering = ["-is_default", "name"]

    def __str__(self) -> str:
        return self.name


class CustomerInvitation(BaseModel):
    """An invitation for a customer's people to order online. Accepting it links the Customer to
    their buyer organization (made on the spot if they have none). Single use, expiring, and
    only the SHA-256 of its token is stored."""

    class Kind(models.TextChoices):
        EMAIL = "email", _("E-mail")
        LINK = "link", _("Link or QR code")

    supplier = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="invitations")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    email = models.EmailField(_("e-mail address"), blank=True)
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    expires_at = models.DateTimeField(_("expires at"))
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.customer}: {self.email or self.get_kind_display()}"
