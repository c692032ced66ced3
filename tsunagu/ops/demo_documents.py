"""The demo's documents: delivery notes for the delivered orders, one closed billing period, and
the invoices of the customer billed per delivery.

Both go through the documents services, so running the seed again issues nothing twice.
"""

from __future__ import annotations

import contextlib

from django.utils import timezone

from tsunagu.accounts.models import Membership
from tsunagu.customers.models import Customer
from tsunagu.documents import billing, per_order, services
from tsunagu.ordering.models import Order, OrderStatus


def seed_documents(owners: dict[str, Membership]) -> None:
    actor = owners["demo-supplier"]
    supplier = actor.organization
    delivered = Order.objects.filter(supplier=supplier, status=OrderStatus.DELIVERED)
    for order in delivered.order_by("created_at"):
        with contextlib.suppress(services.AlreadyIssuedError):
            services.issue_delivery_note(order, actor=actor)
    today = timezone.localdate()
    closing_days = (
        Customer.objects.filter(supplier=supplier)
        .values_list("closing_day", flat=True)
        .distinct()
        .order_by("closing_day")
    )
    for day in closing_days:
        if day:
            billing.run_billing(
                supplier, closing_date=billing.latest_closing_date(today, day), actor=actor
            )
    per_order.issue_awaiting(supplier, actor=actor)
