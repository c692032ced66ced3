"""The ordering app's service for orders that already happened.

Orders taken in another system, on paper or before Tsunagu (a CSV import, for now) are recorded as
they were: their status, channel, dates and prices as given, numbered as given or by the
supplier's sequence. None of the buyer-side rules (cutoff, delivery weekdays, holidays, minimum
quantity) apply, no stock is taken and nobody is mailed: this is a record, not an order being
placed. Each order is a proxy entry (代理入力) in the audit log, for the customer's buyer when
the customer has a login.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from tsunagu.accounts.models import Organization, User
from tsunagu.audit import services as audit
from tsunagu.catalog.models import CustomerPrice, Product
from tsunagu.catalog.pricing import price_for
from tsunagu.core.money import round_money
from tsunagu.customers.models import Customer, Location
from tsunagu.ordering.models import (
    Order,
    OrderEvent,
    OrderLine,
    OrderSequence,
    OrderStatus,
    OrderUnit,
)

# The form services._next_number gives its numbers: a given number of this form moves the
# sequence past it, so that the next order placed never takes a number already recorded.
SEQUENCE_NUMBER = re.compile(r"S-(\d{1,9})")


def sequence_number(value: int) -> str:
    return f"S-{value:06d}"


@dataclass(frozen=True)
class PastLine:
    """One line as it happened, in pieces. A unit price of None means the customer's price."""

    product: Product
    quantity: int
    unit_price: Decimal | None = None
    note: str = ""


@dataclass
class PastOrder:
    """An order as it happened. A blank number takes the next one of the supplier's sequence."""

    customer: Customer
    location: Location
    status: str
    channel: str
    ordered_on: date
    requested_delivery_date: date
    lines: list[PastLine]
    delivered_on: date | None = None
    number: str = ""
    # Makes recording the same order twice impossible (the unique key of Order).
    idempotency_key: str = ""
    note: str = ""
    source: str = "csv"


def ordered_at(day: date) -> datetime:
    """A recorded order's time: the start of its order date in the supplier's time zone."""
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_default_timezone())


def ordered_on(order: Order) -> date:
    return timezone.localtime(order.ordered_at, timezone.get_default_timezone()).date()


def line_pieces(line: OrderLine) -> int:
    """The pieces a line stands for now: the confirmed quantity after a shortage, in pieces."""
    quantity = line.confirmed_quantity if line.confirmed_quantity is not None else line.quantity
    if line.order_unit == OrderUnit.CASE and line.units_per_case:
        return quantity * line.units_per_case
    return quantity


def line_amount(unit_price: Decimal, pieces: int, rounding: str) -> Decimal:
    """DESIGN.md §4: round(unit price × pieces) to whole yen by the supplier's rule."""
    return round_money(unit_price * pieces, rounding)


def recorded_orders(
    supplier: Organization, *, numbers: Iterable[str] = (), keys: Iterable[str] = ()
) -> tuple[dict[str, Order], set[str]]:
    """The supplier's orders with these numbers (with their customer and lines), and which of
    these idempotency keys are already taken."""
    by_number: dict[str, Order] = {}
    taken: set[str] = set()
    for batch in _batches(numbers):
        by_number.update(
            (order.number, order)
            for order in Order.objects.filter(supplier=supplier, number__in=batch)
            .select_related("customer")
            .prefetch_related("lines")
        )
    for batch in _batches(keys):
        taken.update(
            Order.objects.filter(supplier=supplier, idempotency_key__in=batch).values_list(
                "idempotency_key", flat=True
            )
        )
    return by_number, taken


def _batches(values: Iterable[str], size: int = 500) -> Iterator[list[str]]:
    """Short IN lists: SQLite limits the parameters of one query."""
    ordered = sorted(set(values))
    for start in range(0, len(ordered), size):
        yield ordered[start : start + size]


def first_difference(order: Order, past: PastOrder) -> str | None:
    """The name of the first thing in which the recorded `order` differs from `past` (a field of
    PastOrder or PastLine, or "lines" for their number), or None when they are the same order.

    A line without a unit price matches any price: it asked for the customer's price."""
    if order.customer_id != past.customer.pk:
        return "customer"
    if ordered_on(order) != past.ordered_on:
        return "ordered_on"
    if order.requested_delivery_date != past.requested_delivery_date:
        return "requested_delivery_date"
    if order.delivery_date != past.delivered_on:
        return "delivered_on"
    if order.status != past.status:
        return "status"
    if order.channel != past.channel:
        return "channel"
    lines = sorted(order.lines.all(), key=lambda line: line.position)
    if len(lines) != len(past.lines):
        return "lines"
    for line, wanted in zip(lines, past.lines, strict=True):
        if line.product_code != wanted.product.product_code:
            return "product"
        if line_pieces(line) != wanted.quantity:
            return "quantity"
        if wanted.unit_price is not None and line.unit_price != wanted.unit_price:
            return "unit_price"
        if line.note != wanted.note:
            return "note"
    return None


@transaction.atomic
def record_past_orders(
    supplier: Organization,
    orders: Sequence[PastOrder],
    *,
    actor: User | None,
    actor_label: str = "",
) -> list[Order]:
    """Record orders that already happened, all in one transaction, as they were given.

    The supplier's order sequence is locked for the whole transaction: orders without a number
    take the next ones, and a given number in the sequence's own form (S-000123) moves the
    sequence past it. Lines are priced as given or at the customer's price (price_for), with
    amounts rounded by the supplier's rule. Each order gets an "imported" event and a proxy
    entry in the audit log (in the buyer's log too when the customer has a login). Raises
    IntegrityError when a number or key is already taken: nothing is then recorded."""
    if not orders:
        return []
    OrderSequence.objects.get_or_create(supplier=supplier)
    sequence = OrderSequence.objects.select_for_update(no_key=True).get(supplier=supplier)
    given = [
        int(match.group(1))
        for past in orders
        if past.number and (match := SEQUENCE_NUMBER.fullmatch(past.number))
    ]
    sequence.last_number = max([sequence.last_number, *given])
    own_prices = {
        (price.customer_id, price.product_id): price
        for price in CustomerPrice.objects.filter(
            supplier=supplier,
            customer__in={past.customer.pk for past in orders},
            product__in={line.product.pk for past in orders for line in past.lines},
        )
    }
    made: list[tuple[Order, PastOrder]] = []
    lines: list[OrderLine] = []
    for past in orders:
        number = past.number
        if not number:
            sequence.last_number += 1
            number = sequence_number(sequence.last_number)
        order = Order(
            supplier=supplier,
            buyer_id=past.customer.buyer_id,
            customer=past.customer,
            location=past.location,
            number=number,
            status=past.status,
            channel=past.channel,
            requested_delivery_date=past.requested_delivery_date,
            delivery_date=past.delivered_on,
            delivered_on=past.delivered_on if past.status == OrderStatus.DELIVERED else None,
            ordered_at=ordered_at(past.ordered_on),
            placed_by=actor,
            note=past.note,
            idempotency_key=past.idempotency_key,
            entered_by_supplier=True,
            cancel_reason="",
        )
        subtotal = Decimal(0)
        for position, wanted in enumerate(past.lines, start=1):
            unit_price = wanted.unit_price
            if unit_price is None:
                own = own_prices.get((past.customer.pk, wanted.product.pk))
                unit_price = price_for(wanted.product, past.customer, customer_price=own).unit_price
            amount = line_amount(unit_price, wanted.quantity, supplier.rounding)
            subtotal += amount
            lines.append(
                OrderLine(
                    supplier=supplier,
                    order=order,
                    position=position,
                    product=wanted.product,
                    product_code=wanted.product.product_code,
                    product_name=wanted.product.name,
                    order_unit=OrderUnit.PIECE,
                    unit_label=wanted.product.unit,
                    units_per_case=wanted.product.units_per_case,
                    quantity=wanted.quantity,
                    unit_price=unit_price,
                    tax_rate=wanted.product.tax_rate,
                    amount=amount,
                    note=wanted.note,
                )
            )
        order.subtotal = subtotal
        # The same rule as every other way an order comes in (send_order, proxy entry).
        order.shipping_fee = past.customer.shipping_fee_for(subtotal)
        made.append((order, past))
    sequence.save(update_fields=["last_number"])
    Order.objects.bulk_create([order for order, _past in made], batch_size=500)
    OrderLine.objects.bulk_create(lines, batch_size=1000)
    OrderEvent.objects.bulk_create(
        (
            OrderEvent(
                supplier=supplier,
                order=order,
                kind="imported",
                to_status=order.status,
                actor=actor,
                note=past.source,
            )
            for order, past in made
        ),
        batch_size=1000,
    )
    for order, past in made:
        changes = {
            "number": order.number,
            "source": past.source,
            "channel": order.channel,
            "status": order.status,
            "lines": len(past.lines),
            "subtotal": str(order.subtotal),
        }
        buyer = past.customer.buyer
        for organization in (supplier, buyer) if buyer is not None else (supplier,):
            audit.record(
                "order.imported",
                actor=actor,
                actor_email=actor_label,
                organization=organization,
                target=order,
                acting_for=buyer,
                changes=changes,
            )
    return [order for order, _past in made]
