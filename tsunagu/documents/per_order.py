"""Customers billed per delivery (都度請求): an invoice for each delivered order.

When an order of such a customer becomes delivered, its invoice is issued in the background (a
task queued in the same transaction as the move, so it exists exactly when the move committed).
The billing page lists any delivered order of these customers still without an invoice (delivered
before the customer was switched, recorded by an import, or refused when it was tried) and issues
them with one button. Customers billed by closing day get their orders on the periodic invoice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from django.db.models import QuerySet

from tsunagu.accounts.models import Membership, Organization
from tsunagu.customers.models import Customer
from tsunagu.documents import selectors, services
from tsunagu.documents.models import Document
from tsunagu.ordering.models import Order, OrderStatus

logger = logging.getLogger(__name__)

# Issued per click on the billing page; what is left stays listed for the next click.
BATCH = 50


def awaiting_invoice(supplier_id: UUID) -> QuerySet[Order]:
    """Delivered orders of the supplier's per-delivery customers that no live invoice bills."""
    return (
        Order.objects.filter(
            supplier_id=supplier_id,
            status=OrderStatus.DELIVERED,
            customer__billing_method=Customer.BillingMethod.PER_ORDER,
        )
        .exclude(selectors.on_a_live_invoice())
        .select_related("customer")
        .order_by("delivery_date", "number")
    )


@dataclass
class PendingResult:
    issued: list[Document] = field(default_factory=list)
    problems: list[tuple[Order, str]] = field(default_factory=list)
    remaining: int = 0


def issue_awaiting(supplier: Organization, *, actor: Membership) -> PendingResult:
    """Issue the invoices of up to BATCH orders awaiting one, each in its own transaction (one
    that cannot be issued is reported and the others go on)."""
    result = PendingResult()
    for order in list(awaiting_invoice(supplier.pk)[:BATCH]):
        try:
            result.issued.append(services.issue_order_invoice(order, actor=actor))
        except services.AlreadyIssuedError:
            continue
        except services.DocumentError as error:
            result.problems.append((order, str(error)))
    result.remaining = awaiting_invoice(supplier.pk).count() - len(result.problems)
    return result


def on_order_status_changed(
    sender: Any, *, order: Order, previous: str, actor: Membership, **kwargs: Any
) -> None:
    """Queue the invoice of a per-delivery customer's order when it becomes delivered."""
    from tsunagu.documents.tasks import issue_order_invoice

    if order.status != OrderStatus.DELIVERED:
        return
    if order.customer.billing_method != Customer.BillingMethod.PER_ORDER:
        return
    issue_order_invoice.enqueue(str(order.pk), str(actor.pk))


def issue_for_delivered(order_id: str, membership_id: str) -> str:
    """The task's work: issue the order's invoice as the member who marked it delivered. Safe to
    run twice: an order already invoiced is left alone."""
    order = Order.objects.filter(pk=order_id).select_related("customer").first()
    actor = Membership.objects.filter(pk=membership_id).select_related("organization").first()
    if order is None or actor is None or actor.organization_id != order.supplier_id:
        logger.warning("documents.per_order_skipped order=%s member=%s", order_id, membership_id)
        return "skipped"
    try:
        document = services.issue_order_invoice(order, actor=actor)
    except services.AlreadyIssuedError:
        return "already issued"
    except services.DocumentError as error:
        # Listed on the billing page as awaiting an invoice, with the button to try again.
        logger.warning("documents.per_order_refused order=%s reason=%s", order.number, error)
        return "refused"
    return document.number
