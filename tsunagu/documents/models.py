from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from tsunagu.accounts.models import Organization, User
from tsunagu.core.models import BaseModel
from tsunagu.customers.models import Customer
from tsunagu.ordering.models import Order


class DocumentType(models.TextChoices):
    DELIVERY_NOTE = "delivery_note", _("Delivery note")
    SHIPPING_SLIP = "shipping_slip", _("Shipping slip")
    INVOICE = "invoice", _("Invoice")
    PERIODIC_INVOICE = "periodic_invoice", _("Periodic invoice")
    CREDIT_NOTE = "credit_note", _("Credit note")


class DocumentStatus(models.TextChoices):
    ISSUED = "issued", _("Issued")
    SENT = "sent", _("Sent")
    PAID = "paid", _("Paid")
    VOID = "void", _("Void")


class DocumentSequence(models.Model):
    """A supplier's last number for one document type, with the format it sets; locked while
    the next number is taken, so numbers have no gaps."""

    supplier = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    doc_type = models.CharField(max_length=20, choices=DocumentType.choices)
    number_format = models.CharField(max_length=60, default="{Y}{M}-{seq:05}")
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["supplier", "doc_type"], name="documents_sequence_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.supplier_id} {self.doc_type} {self.last_number}"


# What an issued document is: never changed after issue (DESIGN.md §4). Status, void reason and
# the link to orders may change; these may not.
FROZEN_FIELDS = (
    "supplier_id",
    "customer_id",
    "doc_type",
    "number",
    "issued_on",
    "period_start",
    "period_end",
    "due_date",
    "is_qualified_invoice",
    "content",
    "amount_10",
    "amount_8",
    "tax_10",
    "tax_8",
    "total",
    "previous_balance",
    "payments",
    "amount_due",
    "original_id",
    "pdf_storage_name",
    "pdf_sha256",
)


class FrozenDocumentError(Exception):
    """Something tried to change an issued document's frozen fields or to delete it."""


def _frozen_names(fields: Any) -> set[str]:
    names = {name.removesuffix("_id") for name in FROZEN_FIELDS}
    return {str(f).removesuffix("_id") for f in fields} & names


class DocumentQuerySet(models.QuerySet["Document"]):
    """Bulk writes cannot bypass the guard either."""

    def update(self, **kwargs: Any) -> int:
        if changed := _frozen_names(kwargs):
            raise FrozenDocumentError(f"an issued document cannot change {sorted(changed)}")
        return super().update(**kwargs)

    def bulk_update(self, objs: Any, fields: Any, batch_size: int | None = None) -> int:
        if changed := _frozen_names(fields):
            raise FrozenDocumentError(f"an issued document cannot change {sorted(changed)}")
        return super().bulk_update(objs, fields, batch_size=batch_size)


class Document(BaseModel):
    """An issued document. Its content is frozen as data when issued; its PDF is stored
    encrypted with its SHA-256. It is never edited: corrections are credit notes, or a void with
    a reason and a new document."""

    supplier = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="documents")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="documents")
    buyer = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="received_documents",
    )
    doc_type = models.CharField(_("document type"), max_length=20, choices=DocumentType.choices)
    number = models.CharField(_("document number"), max_length=40)
    status = models.CharField(
        _("status"), max_length=10, choices=DocumentStatus.choices, default=DocumentStatus.ISSUED
    )
    issued_on = models.DateField(_("issued on"))
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    is_qualified_invoice = models.BooleanField(default=False)
    content = models.JSONField(default=dict)
    amount_10 = models.DecimalField(max_digits=14, decimal_places=0, default=Decimal(0))
    amount_8 = models.DecimalField(max_digits=14, decimal_places=0, default=Decimal(0))
    tax_10 = models.DecimalField(max_digits=14, decimal_places=0, default=Decimal(0))
    tax_8 = models.DecimalField(max_digits=14, decimal_places=0, default=Decimal(0))
    total = models.DecimalField(_("total"), max_digits=14, decimal_places=0, default=Decimal(0))
    previous_balance = models.DecimalField(max_digits=14, decimal_places=0, default=Decimal(0))
    payments = models.DecimalField(max_digits=14, decimal_places=0, default=Decimal(0))
    amount_due = models.DecimalField(max_digits=14, decimal_places=0, default=Decimal(0))
    orders = models.ManyToManyField(Order, blank=True, related_name="documents")
    original = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="corrections"
    )
    # On a periodic invoice: the credit notes it counts (like `orders`, a link, not content).
    credit_notes = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="counted_on"
    )
    pdf_storage_name = models.CharField(max_length=255, blank=True)
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    void_reason = models.CharField(max_length=300, blank=True)
    issued_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")

    objects: ClassVar[DocumentQuerySet] = DocumentQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-issued_on", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["supplier", "doc_type", "number"], name="documents_number_unique"
            ),
            # One periodic invoice per customer and closing date: a billing run can run again.
            models.UniqueConstraint(
                fields=["supplier", "customer", "period_end"],
                condition=models.Q(doc_type="periodic_invoice") & ~models.Q(status="void"),
                name="documents_one_periodic_invoice_per_period",
            ),
        ]
        indexes = [
            models.Index(fields=["supplier", "issued_on"], name="documents_by_date"),
            models.Index(fields=["supplier", "total"], name="documents_by_amount"),
        ]

    def __str__(self) -> str:
        return self.number

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Insert freely; on an existing row refuse any change to a frozen field (a guard, not
        business logic: corrections are credit notes, see tsunagu.documents.services)."""
        if not self._state.adding:
            update_fields = kwargs.get("update_fields")
            if update_fields is None or _frozen_names(update_fields):
                self._refuse_frozen_changes()
        super().save(*args, **kwargs)

    def _refuse_frozen_changes(self) -> None:
        stored = type(self).objects.filter(pk=self.pk).values(*FROZEN_FIELDS).first()
        if stored is None:
            return
        changed = [name for name in FROZEN_FIELDS if getattr(self, name) != stored[name]]
        if changed:
            raise FrozenDocumentError(f"an issued document cannot change {changed}")

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise FrozenDocumentError("an issued document is never deleted: void it with a reason")


class Payment(BaseModel):
    """Money received from a customer (entered by hand or imported), for the next invoice.

    `invoice` is set when the payment was recorded by marking an invoice paid. A payment of a
    per-order invoice settles that invoice alone and is not counted on the periodic invoices;
    every other payment is (decision 0031)."""

    supplier = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="payments")
    invoice = models.ForeignKey(
        Document,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="settling_payments",
        verbose_name=_("invoice"),
    )
    received_on = models.DateField(_("received on"))
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=0)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    # One per payment form shown (decision 0049-idempotent-payments): the same key records once.
    idempotency_key = models.CharField(max_length=64, blank=True)

    # Not stored: set by payments.record_payment to the invoices this payment made paid, and
    # whether this call recorded it (False: the same form was sent before).
    invoices_paid: list[Document]
    created: bool

    class Meta:
        ordering = ["-received_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["supplier", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="documents_payment_idempotency_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.received_on} {self.amount}"


class BillingRun(BaseModel):
    """One 締め処理 for a closing date, run in the background with its progress."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    supplier = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    closing_date = models.DateField(_("closing date"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    total_customers = models.PositiveIntegerField(default=0)
    processed_customers = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)
    started_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    # The worker running it and until when (tsunagu.ops.leases): renewed by its heartbeat and
    # after each customer; once it runs out, another worker takes the run over.
    claimed_by = models.CharField(max_length=64, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.supplier_id} {self.closing_date} {self.status}"
