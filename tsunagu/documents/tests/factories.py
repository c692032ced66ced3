"""Orders moved to delivered, and documents issued through the real `issue(...)`."""

from __future__ import annotations

import itertools
from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import time_machine
from django.utils import timezone

from tsunagu.accounts.models import Membership, Organization
from tsunagu.catalog.tests.factories import ProductFactory
from tsunagu.customers.models import Customer, Location
from tsunagu.customers.tests.factories import CustomerFactory
from tsunagu.documents.issuing import DocLine, issue
from tsunagu.documents.models import Document, DocumentType
from tsunagu.ordering import services as ordering
from tsunagu.ordering.models import Order, OrderStatus
from tsunagu.ordering.rules import LineRequest
from tsunagu.ordering.tests.factories import linked_customer

TOKYO = ZoneInfo("Asia/Tokyo")
NOW = datetime(2026, 4, 20, 9, 0, tzinfo=TOKYO)
_keys = itertools.count(1)


def customer_of(supplier: Organization, code: str, **terms: object) -> Customer:
    """A customer without a login (orders come by phone), with its default location."""
    customer = CustomerFactory.create(supplier=supplier, customer_code=code, **terms)
    Location.objects.create(supplier=supplier, customer=customer, name="本店", is_default=True)
    return customer


def delivered_order(
    supplier_member: Membership,
    buyer_member: Membership,
    customer: Customer | None = None,
    *,
    delivery_date: date = date(2026, 4, 21),
    status: str = OrderStatus.DELIVERED,
) -> Order:
    """An order of two lines (キャベツ ×4 at 8%, 食器用洗剤 ×3 at ¥12.5 and 10%), moved along
    to `status` by the supplier member."""
    supplier = supplier_member.organization
    if customer is None:
        customer, location = linked_customer(
            supplier,
            buyer_member.organization,
            name="テスト食堂",
            customer_code="C001",
            address="東京都千代田区1-1",
        )
    else:
        location = customer.locations.get(is_default=True)
    cabbage = ProductFactory.create(
        supplier=supplier,
        product_code=f"V{next(_keys):03d}",
        name="キャベツ",
        unit="玉",
        unit_price=Decimal("198"),
        tax_rate=8,
    )
    soap = ProductFactory.create(
        supplier=supplier,
        product_code=f"N{next(_keys):03d}",
        name="食器用洗剤",
        unit="本",
        unit_price=Decimal("12.5"),
        tax_rate=10,
    )
    order = ordering.send_order(
        buyer_member,
        customer,
        location=location,
        lines=[LineRequest(cabbage, 4), LineRequest(soap, 3)],
        delivery_date=delivery_date,
        idempotency_key=f"doc-test-{next(_keys)}",
        now=NOW,
    ).order
    for step in (OrderStatus.ACCEPTED, OrderStatus.SHIPPED, OrderStatus.DELIVERED):
        if order.status == status:
            break
        order = move_on(order, step, supplier_member)
    return order


def move_on(order: Order, step: str, actor: Membership) -> Order:
    """Move `order` to `step` as its supplier would have on the order's planned day: shipped and
    marked 納品済 on that day (the day the goods arrived), when it is past and not before the
    order was placed; otherwise today, the service's own default. Documents and billing date the
    order by the day the goods arrived, so tests bill it by the day it was planned for."""
    planned = order.delivery_date or order.requested_delivery_date
    today = timezone.localdate()
    ordered = timezone.localtime(order.ordered_at).date()
    on_the_day = step in (OrderStatus.SHIPPED, OrderStatus.DELIVERED) and ordered <= planned
    if not on_the_day or planned > today:
        return ordering.move_order(order, to_status=step, actor=actor)
    arrived = planned if step == OrderStatus.DELIVERED else None
    if planned == today:
        return ordering.move_order(order, to_status=step, actor=actor, delivered_on=arrived)
    with time_machine.travel(datetime.combine(planned, time(12), TOKYO), tick=False):
        return ordering.move_order(order, to_status=step, actor=actor, delivered_on=arrived)


def line(
    amount: str | int | Decimal,
    *,
    rate: int = 10,
    quantity: int = 1,
    name: str = "商品",
    code: str = "P1",
    on: date | None = date(2026, 4, 10),
    unit_price: Decimal | None = None,
) -> DocLine:
    value = Decimal(amount)
    return DocLine(
        delivered_on=on,
        order_number="S-000001",
        product_code=code,
        product_name=name,
        quantity=quantity,
        unit_label="個",
        unit_price=unit_price if unit_price is not None else value / quantity,
        amount=value,
        tax_rate=rate,
    )


def issued(
    supplier: Organization,
    customer: Customer,
    *,
    doc_type: str = DocumentType.INVOICE,
    lines: list[DocLine] | None = None,
    issued_on: date = date(2026, 4, 20),
    **kwargs: object,
) -> Document:
    return issue(
        actor=None,
        supplier=supplier,
        customer=customer,
        doc_type=doc_type,
        lines=lines if lines is not None else [line(1000), line(500, rate=8, name="米")],
        issued_on=issued_on,
        **kwargs,  # type: ignore[arg-type]
    )
