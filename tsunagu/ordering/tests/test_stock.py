"""Stock is reserved when an order is placed (web or proxy entry) and given back when it is
cancelled or cut short, under row locks."""

from __future__ import annotations

import importlib
import threading
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.apps import apps as django_apps
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from tsunagu.accounts.models import Membership, Organization
from tsunagu.catalog.models import Product
from tsunagu.catalog.tests.factories import ProductFactory
from tsunagu.customers.models import Customer, Location
from tsunagu.ordering import recording, services
from tsunagu.ordering.models import Order, OrderLine, OrderStatus
from tsunagu.ordering.rules import LineRequest
from tsunagu.ordering.tests.factories import linked_customer

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=ZoneInfo("Asia/Tokyo"))
FRIDAY = date(2026, 11, 27)


def _salt(supplier: Organization, stock: str) -> Product:
    return ProductFactory.create(
        supplier=supplier, product_code="S1", name="塩", unit="袋", stock=Decimal(stock)
    )


def _stock() -> Decimal | None:
    return Product.objects.get(product_code="S1").stock


def _send(member: Membership, customer: Customer, location: Location, n: int, key: str) -> Order:
    return services.send_order(
        member,
        customer,
        location=location,
        lines=[LineRequest(Product.objects.get(product_code="S1"), n)],
        delivery_date=FRIDAY,
        idempotency_key=key,
        now=NOW,
    ).order


def test_a_web_order_reserves_and_cancelling_gives_back(
    supplier: Organization,
    buyer: Organization,
    buyer_member: Membership,
    supplier_admin: Membership,
) -> None:
    customer, location = linked_customer(supplier, buyer)
    _salt(supplier, "5")

    first = _send(buyer_member, customer, location, 3, "a")
    assert _stock() == Decimal(2)
    assert first.lines.get().reserved_pieces == 3
    with pytest.raises(services.OrderRejectedError) as refused:
        _send(buyer_member, customer, location, 3, "b")
    assert refused.value.problems["S1"] == ["在庫は2袋です。"]
    assert Order.objects.count() == 1

    services.cancel_order(first, actor=buyer_member)
    assert _stock() == Decimal(5)
    second = _send(buyer_member, customer, location, 3, "c")
    services.move_order(second, to_status=OrderStatus.ACCEPTED, actor=supplier_admin)
    assert _stock() == Decimal(2)
    services.move_order(second, to_status=OrderStatus.CANCELLED, actor=supplier_admin, note="欠品")
    assert _stock() == Decimal(5)
    assert second.lines.get().reserved_pieces == 0


@time_machine.travel(NOW, tick=False)
def test_proxy_entry_cannot_take_more_than_is_in_stock(
    supplier_client: Client, supplier: Organization, buyer: Organization
) -> None:
    linked_customer(supplier, buyer, customer_code="C1")
    _salt(supplier, "1")

    response = supplier_client.post(
        reverse("supplier-order-new"),
        {
            "customer": "C1",
            "channel": "phone",
            "lines": "S1 2",
            "delivery_date": "2026-11-27",
            "idempotency_key": "p",
            "confirm_overrides": "1",
            "override_reason": "x",
        },
    )

    assert response.status_code == 400
    assert "塩: 在庫は1袋だけです" in response.content.decode()
    assert not Order.objects.exists()
    assert _stock() == Decimal(1)


def test_a_shortage_gives_back_a_removed_line_too_and_an_added_line_takes(
    supplier: Organization,
    buyer: Organization,
    buyer_member: Membership,
    supplier_admin: Membership,
) -> None:
    customer, location = linked_customer(supplier, buyer)
    _salt(supplier, "10")
    order = _send(buyer_member, customer, location, 6, "a")
    order = services.move_order(order, to_status=OrderStatus.ACCEPTED, actor=supplier_admin)
    assert _stock() == Decimal(4)
    line = order.lines.get()

    order = services.revise_order(
        order,
        actor=supplier_admin,
        version=order.version,
        changes=[services.LineChange("confirm", line_id=line.pk, quantity=2)],
    )
    assert _stock() == Decimal(8)
    salt = Product.objects.get(product_code="S1")
    with pytest.raises(services.OrderRejectedError):
        services.revise_order(
            order,
            actor=supplier_admin,
            version=order.version,
            changes=[services.LineChange("add", product=salt, quantity=9)],
        )
    assert _stock() == Decimal(8)
    order = services.revise_order(
        order,
        actor=supplier_admin,
        version=order.version,
        changes=[
            services.LineChange("add", product=salt, quantity=5),
            services.LineChange("remove", line_id=line.pk),
        ],
    )
    assert _stock() == Decimal(5)
    assert [line.reserved_pieces for line in order.lines.all()] == [5]


def test_the_buyer_changing_an_order_reserves_the_new_quantities(
    supplier: Organization, buyer: Organization, buyer_member: Membership
) -> None:
    customer, location = linked_customer(supplier, buyer)
    _salt(supplier, "5")
    order = _send(buyer_member, customer, location, 3, "a")

    services.change_order(
        order,
        actor=buyer_member,
        version=order.version,
        lines=[LineRequest(Product.objects.get(product_code="S1"), 5)],
        delivery_date=FRIDAY,
        now=NOW,
    )

    assert _stock() == Decimal(0)


@pytest.mark.django_db(transaction=True)
def test_a_web_order_and_a_proxy_entry_at_once_never_take_the_same_last_units(
    supplier: Organization,
    buyer: Organization,
    buyer_member: Membership,
    supplier_admin: Membership,
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writer at a time; the race is real on PostgreSQL")
    customer, location = linked_customer(supplier, buyer)
    salt = _salt(supplier, "5")
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def web() -> None:
        services.send_order(
            buyer_member,
            customer,
            location=location,
            lines=[LineRequest(salt, 3)],
            delivery_date=FRIDAY,
            idempotency_key="web",
            now=NOW,
        )

    def proxy() -> None:
        services.enter_order_by_proxy(
            actor=supplier_admin,
            customer=customer,
            location=location,
            lines=[LineRequest(salt, 3)],
            delivery_date=FRIDAY,
            channel="phone",
            idempotency_key="proxy",
        )

    def run(place: object) -> None:
        try:
            barrier.wait()
            place()  # type: ignore[operator]
            outcomes.append("placed")
        except services.OrderRejectedError:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(place,)) for place in (web, proxy)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["placed", "refused"]
    assert _stock() == Decimal(2)
    assert Order.objects.count() == 1
    assert Order.objects.get().lines.get().reserved_pieces == 3


def test_a_revision_of_an_order_that_holds_no_stock_takes_none(
    supplier: Organization, buyer: Organization, supplier_admin: Membership
) -> None:
    # An accepted order recorded from CSV took no stock (it records the past): moving its date
    # or cutting it short must not take any now, and an added line takes only its own.
    customer, location = linked_customer(supplier, buyer)
    salt = _salt(supplier, "10")
    (order,) = recording.record_past_orders(
        supplier,
        [
            recording.PastOrder(
                customer=customer,
                location=location,
                status=OrderStatus.ACCEPTED,
                channel="phone",
                ordered_on=date(2026, 11, 25),
                requested_delivery_date=FRIDAY,
                lines=[recording.PastLine(salt, 6)],
            )
        ],
        actor=supplier_admin.user,
    )
    line = order.lines.get()

    order = services.revise_order(
        order,
        actor=supplier_admin,
        version=order.version,
        changes=[],
        delivery_date=date(2026, 11, 30),
    )
    assert _stock() == Decimal(10)
    order = services.revise_order(
        order,
        actor=supplier_admin,
        version=order.version,
        changes=[
            services.LineChange("confirm", line_id=line.pk, quantity=4),
            services.LineChange("add", product=salt, quantity=3),
        ],
    )

    assert _stock() == Decimal(7)
    assert [line.reserved_pieces for line in order.lines.order_by("position")] == [0, 3]
    services.move_order(order, to_status=OrderStatus.CANCELLED, actor=supplier_admin, note="欠品")
    assert _stock() == Decimal(10)


def test_the_migration_records_as_held_only_what_an_acceptance_took(
    supplier: Organization,
    buyer: Organization,
    buyer_member: Membership,
    supplier_admin: Membership,
) -> None:
    # Before reservations, accepting took stock; recording from CSV took none. The data step of
    # the migration that added reservations must tell the two apart.
    migration = importlib.import_module("tsunagu.ordering.migrations.0007_supplier_reserved_stock")
    customer, location = linked_customer(supplier, buyer)
    salt = _salt(supplier, "20")
    accepted = _send(buyer_member, customer, location, 3, "a")
    services.move_order(accepted, to_status=OrderStatus.ACCEPTED, actor=supplier_admin)
    (imported,) = recording.record_past_orders(
        supplier,
        [
            recording.PastOrder(
                customer=customer,
                location=location,
                status=OrderStatus.ACCEPTED,
                channel="phone",
                ordered_on=date(2026, 11, 25),
                requested_delivery_date=FRIDAY,
                lines=[recording.PastLine(salt, 6)],
            )
        ],
        actor=supplier_admin.user,
    )
    OrderLine.objects.update(reserved_pieces=0)

    migration.taken_at_acceptance(django_apps, None)

    assert accepted.lines.get().reserved_pieces == 3
    assert imported.lines.get().reserved_pieces == 0
