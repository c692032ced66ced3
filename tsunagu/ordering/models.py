from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from tsunagu.accounts.models import Organization, User
from tsunagu.catalog.models import Product
from tsunagu.core.models import BaseModel, SupplierDefinedField
from tsunagu.customers.models import Customer, Location


class OrderStatus(models.TextChoices):
    PENDING_APPROVAL = "pending_approval", _("Waiting for approval")
    SUBMITTED = "submitted", _("Submitted")
    ACCEPTED = "accepted", _("Accepted")
    SHIPPED = "shipped", _("Shipped")
    DELIVERED = "delivered", _("Delivered")
    CANCELLED = "cancelled", _("Cancelled")


class Channel(models.TextChoices):
    WEB = "web", _("On the web")
    PHONE = "phone", _("By phone")
    FAX = "fax", _("By FAX")
    EMAIL = "email", _("By e-mail")
    LINE = "line", _("By LINE")
    API = "api", _("Through the API")


class OrderUnit(models.TextChoices):
    PIECE = "piece", _("Piece")
    CASE = "case", _("Case")


class OrderSequence(models.Model):
    """A supplier's last order number, locked while the next is taken: no gaps, no twins."""

    supplier = models.OneToOneField(
        Organization, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.supplier_id}: {self.last_number}"


# The fields that date an order's transaction, first set wins: the day the goods arrived, then the
# delivery day set by the supplier, then the day the buyer asked for. For `Coalesce(*...)` in
# queries; `Order.transaction_date` is the same in Python.
TRANSACTION_DATE_FIELDS = ("delivered_on", "delivery_date", "requested_delivery_date")


class Order(BaseModel):
    """An order from a buyer (発注) as received by its supplier (受注)."""

    supplier = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="received_orders"
    )
    buyer = models.ForeignKey(
        Organization, on_delete=models.PROTECT, null=True, blank=True, related_name="placed_orders"
    )
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="orders")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="orders")
    number = models.CharField(_("order number"), max_length=20)
    status = models.CharField(_("status"), max_length=20, choices=OrderStatus.choices)
    channel = models.CharField(
        _("channel"), max_length=10, choices=Channel.choices, default=Channel.WEB
    )
    requested_delivery_date = models.DateField(_("requested delivery date"))
    delivery_date = models.DateField(_("delivery date"), null=True, blank=True)
    # The day the goods actually arrived, asked when the order is marked delivered.
    delivered_on = models.DateField(_("delivered on"), null=True, blank=True)
    ordered_at = models.DateTimeField(_("ordered at"))
    placed_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.TextField(_("note"), blank=True)
    form_values = models.JSONField(default=dict, blank=True)
    subtotal = models.DecimalField(
        _("subtotal (tax excluded)"), max_digits=14, decimal_places=0, default=Decimal(0)
    )
    shipping_fee = models.DecimalField(
        _("shipping fee"), max_digits=12, decimal_places=0, default=Decimal(0)
    )
    idempotency_key = models.CharField(max_length=64, blank=True)
    version = models.PositiveIntegerField(default=1)
    # 代理入力: entered by the supplier's staff for an order taken by phone, FAX, mail or LINE.
    entered_by_supplier = models.BooleanField(_("entered by the supplier"), default=False)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-ordered_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["supplier", "number"], name="ordering_order_number_unique"
            ),
            models.UniqueConstraint(
                fields=["supplier", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="ordering_order_idempotency_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["supplier", "status", "-ordered_at"], name="order_inbox"),
            # The inbox without a status filter: the newest of the supplier's orders first.
            models.Index(fields=["supplier", "-ordered_at"], name="order_supplier_recent"),
            models.Index(fields=["buyer", "-ordered_at"], name="order_buyer_history"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def transaction_date(self) -> date:
        """The day that dates the order on documents and in billing (取引年月日): the day the
        goods arrived, else the planned delivery day, else the requested one."""
        return self.delivered_on or self.delivery_date or self.requested_delivery_date


class OrderLine(BaseModel):
    """A line as ordered, with the product's code, name, unit, price and tax rate copied in: later
    changes to the product never change an order."""

    supplier = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(default=0)
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="order_lines")
    product_code = models.CharField(max_length=40)
    product_name = models.CharField(max_length=200)
    order_unit = models.CharField(max_length=10, choices=OrderUnit.choices, default=OrderUnit.PIECE)
    unit_label = models.CharField(max_length=20)
    units_per_case = models.PositiveIntegerField(null=True, blank=True)
    quantity = models.PositiveIntegerField(_("quantity"))
    confirmed_quantity = models.PositiveIntegerField(_("confirmed quantity"), null=True, blank=True)
    unit_price = models.DecimalField(max_digits=12, decimal_places=2)
    tax_rate = models.PositiveSmallIntegerField()
    amount = models.DecimalField(max_digits=14, decimal_places=0)
    note = models.CharField(_("note"), max_length=200, blank=True)
    # Pieces this line holds out of the product's stock (decision: stock is reserved when the
    # order is placed, released when it is cancelled or cut short).
    # db_default: rows written in bulk by raw SQL (the benchmark data) hold nothing either.
    reserved_pieces = models.PositiveIntegerField(default=0, db_default=0)

    class Meta:
        ordering = ["position"]

    def __str__(self) -> str:
        return f"{self.product_code} × {self.quantity}"

    @property
    def pieces(self) -> int:
        """Quantity in pieces (a case holds units_per_case pieces)."""
        if self.order_unit == OrderUnit.CASE and self.units_per_case:
            return self.quantity * self.units_per_case
        return self.quantity

    @property
    def is_short(self) -> bool:
        return self.confirmed_quantity is not None and self.confirmed_quantity < self.quantity


class OrderEvent(BaseModel):
    """One step of an order's life, for its timeline."""

    supplier = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=30)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    actor = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.order_id} {self.kind}"


class OrderMessage(BaseModel):
    """A message between the buyer and the supplier about one order."""

    supplier = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    from_supplier = models.BooleanField(default=False)
    body = models.TextField(_("message"))
    # When someone of the buyer first opened the order after the supplier wrote this message.
    read_by_buyer_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.body[:40]


class CartLine(BaseModel):
    """What a buyer's person is about to order from one supplier, to one location."""

    supplier = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    buyer = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="cart_lines")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    order_unit = models.CharField(max_length=10, choices=OrderUnit.choices, default=OrderUnit.PIECE)
    quantity = models.PositiveIntegerField(default=1)
    note = models.CharField(max_length=200, blank=True)
    # The unit price shown when the product went into the cart: a later change is pointed out.
    price_seen = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "customer", "product", "order_unit"],
                name="ordering_cartline_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_id} × {self.quantity}"


class Favourite(BaseModel):
    """A product the buyer organization orders often (いつもの)."""

    supplier = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    buyer = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["buyer", "product"], name="ordering_favourite_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.buyer_id} ♥ {self.product_id}"


class OrderFormField(SupplierDefinedField):
    """A question of the supplier's own on every order form (e.g. 納品時間帯, 領収書の宛名)."""

    class Kind(models.TextChoices):
        TEXT = "text", _("Text")
        CHOICE = "choice", _("Choice")
        DATE = "date", _("Date")

    supplier = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="order_form_fields"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.TEXT)


class OrderRevision(BaseModel):
    """A change the supplier made to an order before shipping: what changed and why."""

    supplier = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    actor = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    changes = models.JSONField(default=list)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["order", "number"], name="ordering_revision_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.order_id} r{self.number}"


class OrderAttachment(BaseModel):
    """The source of a proxy-entered order (FAX PDF, photo, .eml), stored encrypted."""

    supplier = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, null=True, blank=True, related_name="attachments"
    )
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    storage_name = models.CharField(max_length=255)
    uploaded_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")

    def __str__(self) -> str:
        return self.original_name


class ExportProfile(BaseModel):
    """A named CSV layout a supplier made: columns, headers, fixed values, dates, encoding."""

    class Encoding(models.TextChoices):
        CP932 = "cp932", _("Shift_JIS (CP932, Excel)")
        UTF8_SIG = "utf-8-sig", _("UTF-8 with BOM")
        UTF8 = "utf-8", _("UTF-8")

    supplier = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="export_profiles"
    )
    name = models.CharField(_("profile name"), max_length=60)
    columns = models.JSONField(default=list)
    date_format = models.CharField(_("date format"), max_length=20, default="%Y-%m-%d")
    encoding = models.CharField(
        _("encoding"), max_length=10, choices=Encoding.choices, default=Encoding.CP932
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["supplier", "name"], name="ordering_exportprofile_name_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ShippingInstruction(BaseModel):
    """Who ships what: an order (or one line of it) assigned to a shipping user or warehouse."""

    class Status(models.TextChoices):
        OPEN = "open", _("To ship")
        SHIPPED = "shipped", _("Shipped")
        CANNOT_SHIP = "cannot_ship", _("Cannot ship")

    supplier = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="shipping_instructions")
    line = models.ForeignKey(
        OrderLine, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    assignee = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="shipping_instructions"
    )
    warehouse = models.CharField(_("warehouse"), max_length=60, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.order_id} → {self.assignee_id or self.warehouse}"
