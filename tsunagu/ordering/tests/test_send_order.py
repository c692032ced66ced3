from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, connections

from tsunagu.accounts.models import Membership, Organization
from tsunagu.audit.models import AuditEntry
from tsunagu.catalog.models import Product
from tsunagu.catalog.tests.factories import ProductFactory
from tsunagu.customers.models import Customer, Location
from tsunagu.notifications.models import OutboxMessage
from tsunagu.ordering.models import Order, OrderLine, OrderStatus, OrderUnit
from tsunagu.ordering.rules import LineRequest
from tsunagu.ordering.services import OrderRejectedError, send_order
from tsunagu.ordering.tests.factories import buyer_admin, linked_customer

TOKYO = ZoneInfo("Asia/Tokyo")
# Thursday 26 November 2026, 10:00: before the 15:00 cutoff, so Friday the 27th is offered.
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=TOKYO)
FRIDAY = date(2026, 11, 27)


@dataclass
class Setup:
    customer: Customer
    location: Location
    cabbage: Product
    chopsticks: Product
    member: Membership


@pytest.fixture
def setup(db: None, supplier: Organization, buyer: Organization, buyer_member: Membership) -> Setup:
    supplier.rounding = "down"
    supplier.save()
    customer, location = linked_customer(supplier, buyer)
    cabbage = ProductFactory.create(
        supplier=supplier,
        product_code="V1",
        name="キャベツ",
        unit="玉",
        unit_price=Decimal("198"),
        tax_rate=8,
        units_per_case=10,
        sold_by_case=True,
    )
    chopsticks = ProductFactory.create(
        supplier=supplier,
        product_code="H1",
        name="割り箸",
        unit="袋",
        unit_price=Decimal("12.5"),
        tax_rate=10,
        min_quantity=3,
    )
    return Setup(customer, location, cabbage, chopsticks, buyer_member)


def send(
    setup: Setup, lines: list[LineRequest], key: str = "k1", day: date | None = FRIDAY
) -> Order:
    return send_order(
        setup.member,
        setup.customer,
        location=setup.location,
        lines=lines,
        delivery_date=day,
        idempotency_key=key,
        now=NOW,
    ).order


@pytest.mark.django_db
def test_an_order_gets_its_number_copied_prices_and_amounts(setup: Setup) -> None:
    order = send(
        setup,
        [
            LineRequest(setup.cabbage, 2, OrderUnit.CASE),
            LineRequest(setup.chopsticks, 3),
        ],
    )

    assert order.number == "S-000001"
    assert order.status == OrderStatus.SUBMITTED
    cabbage, chopsticks = order.lines.all()
    assert (cabbage.quantity, cabbage.order_unit, cabbage.pieces, cabbage.amount) == (
        2,
        "case",
        20,
        Decimal("3960"),
    )
    assert (chopsticks.unit_price, chopsticks.amount, chopsticks.tax_rate) == (
        Decimal("12.5"),
        Decimal("37"),
        10,
    )
    assert order.subtotal == Decimal("3997")
    assert (
        AuditEntry.objects.filter(
            action="order.received", organization_id=order.supplier_id
        ).count()
        == 1
    )
    assert OutboxMessage.objects.filter(to="chef@buyer.test").count() == 1


@pytest.mark.django_db
def test_numbers_follow_each_other_without_gaps(setup: Setup) -> None:
    numbers = [
        send(setup, [LineRequest(setup.chopsticks, 3)], key=f"k{n}").number for n in range(3)
    ]

    assert numbers == ["S-000001", "S-000002", "S-000003"]


@pytest.mark.django_db
def test_the_same_form_sent_twice_makes_one_order(setup: Setup) -> None:
    first = send(setup, [LineRequest(setup.chopsticks, 3)])
    again = send(setup, [LineRequest(setup.chopsticks, 30)])

    assert again.pk == first.pk
    assert Order.objects.count() == 1
    assert OrderLine.objects.get().quantity == 3


@pytest.mark.django_db
def test_every_problem_is_named_and_nothing_is_saved(setup: Setup) -> None:
    with pytest.raises(OrderRejectedError) as error:
        send(
            setup,
            [LineRequest(setup.chopsticks, 2), LineRequest(setup.cabbage, 0)],
            day=date(2026, 11, 26),
        )

    assert error.value.problems == {
        "delivery_date": [
            "この日付は過ぎています。別の納品日を選んでください。次に納品できる日は 11/27 (金) です。"
        ],
        "H1": ["1回の注文は3袋からです。"],
        "V1": ["数量は1以上で入力してください。"],
    }
    assert not Order.objects.exists()


@pytest.mark.django_db
def test_a_deactivated_product_is_refused(setup: Setup) -> None:
    setup.chopsticks.is_active = False
    setup.chopsticks.save()

    with pytest.raises(OrderRejectedError) as error:
        send(setup, [LineRequest(setup.chopsticks, 3)])

    assert error.value.problems == {"H1": ["この商品は販売を終了しました。"]}


@pytest.mark.django_db
def test_a_members_big_order_waits_for_approval(setup: Setup, buyer: Organization) -> None:
    buyer.approval_threshold = Decimal("1000")
    buyer.save()
    buyer_admin(buyer)

    order = send(setup, [LineRequest(setup.cabbage, 1, OrderUnit.CASE)])

    assert order.status == OrderStatus.PENDING_APPROVAL
    assert OutboxMessage.objects.filter(to="boss@buyer.test").count() == 1
    assert not OutboxMessage.objects.exclude(to="boss@buyer.test").exists()


@pytest.mark.django_db(transaction=True)
def test_the_same_form_sent_twice_at_the_same_moment_makes_one_order(
    setup: Setup,
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writer at a time; the race is real on PostgreSQL")
    results: list[Order] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def tap() -> None:
        try:
            barrier.wait()
            results.append(send(setup, [LineRequest(setup.chopsticks, 3)], key="double-tap"))
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=tap) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert Order.objects.count() == 1
    assert {order.pk for order in results} == {Order.objects.get().pk}
