"""`{% supplier_today membership %}`: today's work on a supplier's home page, each line a link to
the page that shows it (new orders, orders to ship today, messages waiting for a reply, invoices
to issue for today's closing)."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from tsunagu.accounts.models import Membership
from tsunagu.ordering.models import OrderStatus
from tsunagu.ordering.selectors import todays_work

register = template.Library()


def invoices_to_issue(membership: Membership, today: Any) -> int:
    """Invoices waiting to be issued: customers whose closing day is today and who have no
    invoice for it yet, and delivered orders of customers billed per delivery that have none."""
    # Imported here: the documents app builds on the ordering app, not the other way round.
    from tsunagu.documents import billing, per_order

    supplier = membership.organization
    issued = billing.invoices_for_closing_date(supplier, today).values("customer_id")
    closing = billing.closing_customers(supplier, today).exclude(pk__in=issued).count()
    return closing + per_order.awaiting_invoice(supplier.pk).count()


@register.inclusion_tag("ordering/_supplier_today.html")
def supplier_today(membership: Membership) -> dict[str, Any]:
    today = timezone.localdate()
    work = todays_work(membership.organization_id, today=today)
    inbox = reverse("supplier-inbox")
    rows = [
        ("new-orders", work.new_orders, f"{inbox}?{urlencode({'status': OrderStatus.SUBMITTED})}"),
        (
            "to-ship",
            work.to_ship,
            f"{inbox}?{urlencode({'status': OrderStatus.ACCEPTED, 'date': today.isoformat()})}",
        ),
        ("unanswered", work.unanswered, f"{inbox}?unanswered=1"),
        (
            "invoices",
            invoices_to_issue(membership, today),
            f"{reverse('billing')}?{urlencode({'date': today.isoformat()})}",
        ),
    ]
    return {"rows": rows, "today": today, "nothing": not any(n for _kind, n, _url in rows)}
