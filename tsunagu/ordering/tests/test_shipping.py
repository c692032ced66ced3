"""Shipping instructions and picking lists, through the pages, in English: the Japanese comes from
the translation catalogue, so these tests pin the source text, the page structure and the
behaviour."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.contrib.messages import get_messages
from django.db import connection, connections
from django.http import HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import client_for
from tsunagu.accounts.models import Membership, Organization, Role
from tsunagu.accounts.tests.factories import BuyerFactory, MembershipFactory
from tsunagu.audit.models import AuditEntry
from tsunagu.catalog.models import Product
from tsunagu.catalog.tests.factories import ProductFactory
from tsunagu.customers.models import Customer, Location
from tsunagu.notifications.models import OutboxMessage
from tsunagu.ordering.models import (
    Order,
    OrderEvent,
    OrderStatus,
    OrderUnit,
    ShippingInstruction,
)
from tsunagu.ordering.rules import LineRequest
from tsunagu.ordering.services import move_order, send_order
from tsunagu.ordering.shipping import ShippingError, assign_shipping, mark_shipped
from tsunagu.ordering.tests.factories import linked_customer

pytestmark = pytest.mark.django_db

TOKYO = ZoneInfo("Asia/Tokyo")
# Thursday 26 November 2026, 10:00: before the 15:00 cutoff, so Friday the 27th is offered.
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=TOKYO)
FRIDAY = date(2026, 11, 27)
OPEN = ShippingInstruction.Status.OPEN


@dataclass
class Shop:
    customer: Customer
    location: Location
    cabbage: Product
    chopsticks: Product
    member: Membership
    admin: Membership
    picker: Membership
    other_picker: Membership


@pytest.fixture
def shop(
    supplier: Organization,
    buyer: Organization,
    buyer_member: Membership,
    supplier_admin: Membership,
) -> Shop:
    customer, location = linked_customer(
        supplier, buyer, name="テスト食堂", delivery_route="北ルート"
    )
    location.address = "東京都千代田区1-1"
    location.save()
    cabbage = ProductFactory.create(
        supplier=supplier,
        product_code="V1",
        name="キャベツ",
        unit="玉",
        unit_price=Decimal("198"),
        units_per_case=10,
        sold_by_case=True,
    )
    chopsticks = ProductFactory.create(
        supplier=supplier, product_code="H1", name="割り箸", unit="袋", unit_price=Decimal("120")
    )
    picker = MembershipFactory.create(
        organization=supplier, role=Role.SHIPPING, user__email="picker@supplier.test"
    )
    other_picker = MembershipFactory.create(
        organization=supplier, role=Role.SHIPPING, user__email="driver@supplier.test"
    )
    return Shop(
        customer, location, cabbage, chopsticks, buyer_member, supplier_admin, picker, other_picker
    )


def place(
    shop: Shop,
    key: str,
    *,
    lines: list[LineRequest] | None = None,
    member: Membership | None = None,
    customer: Customer | None = None,
    location: Location | None = None,
    accept: bool = True,
) -> Order:
    order = send_order(
        member or shop.member,
        customer or shop.customer,
        location=location or shop.location,
        lines=lines
        or [LineRequest(shop.cabbage, 2, OrderUnit.CASE), LineRequest(shop.chopsticks, 3)],
        delivery_date=FRIDAY,
        note="裏口から納品してください",
        idempotency_key=key,
        now=NOW,
    ).order
    if accept:
        order = move_order(order, to_status=OrderStatus.ACCEPTED, actor=shop.admin)
    return order


def in_english(client: Client) -> Client:
    assert client.post("/i18n/setlang/", {"language": "en"}).status_code == 302
    return client


def english(membership: Membership) -> Client:
    client = in_english(client_for(membership))
    client.get(reverse("account-settings"))  # shows (and so clears) the "logged in" message
    return client


def flashed(response: HttpResponse) -> list[str]:
    """The message this response left (earlier ones wait in storage until a page shows them)."""
    return [str(message) for message in get_messages(response.wsgi_request)][-1:]  # type: ignore[attr-defined]


def cards(client: Client, **params: str) -> set[str]:
    response = client.get(reverse("shipping-instructions"), params)
    assert response.status_code == 200
    return set(
        re.findall(
            r'<article class="card shipping-card" id="instruction-([0-9a-f-]+)"',
            response.content.decode(),
        )
    )


def assign(client: Client, order: Order, **data: object) -> Any:
    return client.post(reverse("shipping-assign", args=[order.pk]), data)


def done(client: Client, instruction: ShippingInstruction, **data: str) -> Any:
    return client.post(reverse("shipping-done", args=[instruction.pk]), data)


# ---- assigning ----------------------------------------------------------------------------------


def test_an_accepted_order_given_to_a_shipping_person_shows_on_their_page_only(shop: Shop) -> None:
    # Given two accepted orders, one for each shipping person
    admin = english(shop.admin)
    mine, theirs = place(shop, "a"), place(shop, "b")

    # When the administrator assigns them from the order page
    response = assign(admin, mine, assignee=str(shop.picker.user_id))
    assign(admin, theirs, assignee=str(shop.other_picker.user_id), warehouse="第二倉庫")

    # Then one whole-order instruction each, and each person sees only their own
    assert response.status_code == 302
    assert response["Location"] == reverse("supplier-order", args=[mine.pk])
    assert flashed(response) == [f"Order {mine.number} was given to {shop.picker.user} to ship."]
    instruction = ShippingInstruction.objects.get(order=mine)
    assert (instruction.assignee, instruction.line, instruction.status, instruction.created_by) == (
        shop.picker.user,
        None,
        OPEN,
        shop.admin.user,
    )
    other = ShippingInstruction.objects.get(order=theirs)
    assert (
        AuditEntry.objects.filter(action="shipping.assigned", target_id=str(mine.pk)).count() == 1
    )
    picker = english(shop.picker)
    assert cards(picker) == {str(instruction.pk)}
    assert cards(english(shop.other_picker)) == {str(other.pk)}
    # the staff see both
    assert cards(admin) == {str(instruction.pk), str(other.pk)}


def test_the_shipping_page_shows_customer_location_lines_and_the_two_buttons(shop: Shop) -> None:
    order = place(shop, "a")
    instruction = assign_shipping(order, actor=shop.admin, assignee=shop.picker.user, warehouse="")[
        0
    ]

    page = english(shop.picker).get(reverse("shipping-instructions")).content.decode()

    card = re.search(rf'<article[^>]*id="instruction-{instruction.pk}".*?</article>', page, re.S)
    assert card is not None
    text = card.group(0)
    assert '<section class="shipping-day" id="day-2026-11-27">' in page
    assert "Delivery on 2026/11/27 (Fri)" in page
    for expected in (
        "テスト食堂",
        "本店",
        "東京都千代田区1-1",
        order.number,
        "裏口から納品してください",
    ):
        assert expected in text
    lines = re.findall(
        r'<tr class="ship-line" data-product="(\w+)">.*?<strong class="ship-line__quantity">(\d+)</strong> ([^<\s]+)',
        text,
        re.S,
    )
    assert lines == [("V1", "2", "case"), ("H1", "3", "袋")]
    assert "(10 玉 per case)" in text
    assert f'id="shipped-{instruction.pk}"' in text
    assert ">Cannot ship</summary>" in text
    assert "No instructions" not in page


def test_lines_can_be_given_one_by_one_and_the_same_assignment_twice_changes_nothing(
    shop: Shop,
) -> None:
    admin = english(shop.admin)
    order = place(shop, "a")
    cabbage_line, chopsticks_line = order.lines.all()

    assign(admin, order, assignee=str(shop.picker.user_id), line=[str(cabbage_line.pk)])
    response = assign(admin, order, warehouse="第二倉庫", line=[str(chopsticks_line.pk)])
    again = assign(admin, order, warehouse="第二倉庫", line=[str(chopsticks_line.pk)])

    assert flashed(response) == [f"1 lines of order {order.number} were given to 第二倉庫 to ship."]
    assert again.status_code == 302
    rows = sorted(
        ShippingInstruction.objects.filter(order=order).values_list(
            "line__product_code", "assignee__email", "warehouse"
        )
    )
    assert rows == [("H1", None, "第二倉庫"), ("V1", "picker@supplier.test", "")]
    assert AuditEntry.objects.filter(action="shipping.assigned").count() == 2
    # the shipping person sees only their line
    page = english(shop.picker).get(reverse("shipping-instructions")).content.decode()
    assert re.findall(r'data-product="(\w+)"', page) == ["V1"]


def test_assigning_again_moves_the_open_work_to_the_new_person(shop: Shop) -> None:
    admin = english(shop.admin)
    order = place(shop, "a")
    assign(admin, order, assignee=str(shop.picker.user_id))

    assign(admin, order, assignee=str(shop.other_picker.user_id))

    assert list(ShippingInstruction.objects.values_list("assignee__email", flat=True)) == [
        "driver@supplier.test"
    ]
    assert cards(english(shop.picker)) == set()


def test_a_submitted_order_cannot_be_given_to_shipping(shop: Shop) -> None:
    admin = english(shop.admin)
    order = place(shop, "a", accept=False)

    response = assign(admin, order, assignee=str(shop.picker.user_id))

    assert response.status_code == 302
    assert response["Location"] == reverse("supplier-order", args=[order.pk])
    assert flashed(response) == [
        f"Order {order.number} is Submitted: only accepted orders can be given to shipping."
    ]
    assert not ShippingInstruction.objects.exists()
    assert not AuditEntry.objects.filter(action="shipping.assigned").exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Choose who ships it, or write the warehouse."),
        (
            {"assignee": "member"},
            "Choose a person of your organization with the shipping, administrator or owner role.",
        ),
        (
            {"assignee": "outsider"},
            "Choose a person of your organization with the shipping, administrator or owner role.",
        ),
        (
            {"assignee": "not-a-uuid"},
            "Choose a person of your organization with the shipping, administrator or owner role.",
        ),
        ({"warehouse": "倉" * 61}, "The warehouse name can be at most 60 characters."),
        ({"warehouse": "第二倉庫", "line": "other-order"}, "Choose lines of this order only."),
    ],
)
def test_an_assignment_without_a_proper_person_or_warehouse_is_refused(
    shop: Shop,
    supplier_member: Membership,
    outsider: Membership,
    data: dict[str, str],
    message: str,
) -> None:
    admin = english(shop.admin)
    order, other_order = place(shop, "a"), place(shop, "b")
    people = {"member": supplier_member.user_id, "outsider": outsider.user_id}
    if data.get("assignee") in people:
        data = {**data, "assignee": str(people[data["assignee"]])}
    if data.get("line") == "other-order":
        data = {**data, "line": str(other_order.lines.first().pk)}  # type: ignore[union-attr]

    response = assign(admin, order, **data)

    assert response.status_code == 302
    assert flashed(response) == [message]
    assert not ShippingInstruction.objects.exists()


# ---- marking done -------------------------------------------------------------------------------


def test_marking_shipped_ships_the_order_and_tells_the_buyer_once(shop: Shop) -> None:
    order = place(shop, "a")
    instruction = assign_shipping(order, actor=shop.admin, assignee=shop.picker.user, warehouse="")[
        0
    ]
    picker = english(shop.picker)
    mails_before = OutboxMessage.objects.filter(to="chef@buyer.test").count()

    response = done(picker, instruction, action="shipped")
    second = done(picker, instruction, action="shipped")

    assert response.status_code == 302
    assert response["Location"] == reverse("shipping-instructions")
    assert flashed(response) == [f"Order {order.number} is now shipped."]
    assert flashed(second) == [f"Order {order.number} was already marked as shipped."]
    instruction.refresh_from_db()
    order.refresh_from_db()
    assert instruction.status == ShippingInstruction.Status.SHIPPED
    assert instruction.done_at is not None
    assert order.status == OrderStatus.SHIPPED
    mails = OutboxMessage.objects.filter(to="chef@buyer.test").order_by("created_at")
    assert mails.count() == mails_before + 1
    assert order.number in mails.last().subject  # type: ignore[union-attr]
    assert AuditEntry.objects.filter(action="shipping.shipped").count() == 1
    assert OrderEvent.objects.filter(order=order, to_status=OrderStatus.SHIPPED).count() == 1
    # the done card moves below, without its buttons
    page = picker.get(reverse("shipping-instructions")).content.decode()
    done_section = page.split('id="done-instructions"')[1]
    assert f'id="instruction-{instruction.pk}"' in done_section
    assert f'id="shipped-{instruction.pk}"' not in page
    assert "Nothing to ship" in page


def test_the_order_ships_when_the_last_of_its_lines_is_shipped(shop: Shop) -> None:
    order = place(shop, "a")
    cabbage_line, chopsticks_line = order.lines.all()
    first = assign_shipping(
        order, actor=shop.admin, assignee=shop.picker.user, warehouse="", lines=[cabbage_line]
    )[0]
    second = assign_shipping(
        order, actor=shop.admin, assignee=None, warehouse="第二倉庫", lines=[chopsticks_line]
    )[0]

    done(english(shop.picker), first, action="shipped")
    order.refresh_from_db()
    assert order.status == OrderStatus.ACCEPTED

    # a warehouse instruction has no person: the staff mark it
    response = done(english(shop.admin), second, action="shipped")
    order.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED
    assert flashed(response) == [f"Order {order.number} is now shipped."]


def test_a_line_reported_not_shippable_and_given_to_someone_else_no_longer_holds_the_order(
    shop: Shop,
) -> None:
    order = place(shop, "a")
    cabbage_line, chopsticks_line = order.lines.all()
    stuck = assign_shipping(
        order, actor=shop.admin, assignee=shop.picker.user, warehouse="", lines=[cabbage_line]
    )[0]
    shipped = assign_shipping(
        order, actor=shop.admin, assignee=shop.picker.user, warehouse="", lines=[chopsticks_line]
    )[0]
    done(english(shop.picker), stuck, action="cannot_ship", reason="在庫切れ")
    mark_shipped(shipped, actor=shop.picker)
    order.refresh_from_db()
    assert order.status == OrderStatus.ACCEPTED

    again = assign_shipping(
        order, actor=shop.admin, assignee=shop.other_picker.user, warehouse="", lines=[cabbage_line]
    )[0]
    mark_shipped(again, actor=shop.other_picker)

    order.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED


def test_cannot_ship_without_a_reason_is_refused_and_keeps_the_page(shop: Shop) -> None:
    order = place(shop, "a")
    instruction = assign_shipping(order, actor=shop.admin, assignee=shop.picker.user, warehouse="")[
        0
    ]
    picker = english(shop.picker)

    empty = done(picker, instruction, action="cannot_ship", reason="   ")
    too_long = done(picker, instruction, action="cannot_ship", reason="雨" * 301)

    assert empty.status_code == 200
    page = empty.content.decode()
    assert '<details class="shipping-card__cannot" open>' in page
    assert "Write why it cannot be shipped." in page
    assert f'id="instruction-{instruction.pk}"' in page
    assert too_long.status_code == 200
    assert f"{'雨' * 301}</textarea>" in too_long.content.decode()
    assert "The reason can be at most 300 characters (it has 301)." in too_long.content.decode()
    instruction.refresh_from_db()
    assert (instruction.status, instruction.reason) == (OPEN, "")
    assert not AuditEntry.objects.filter(action="shipping.cannot_ship").exists()


def test_a_refused_report_keeps_the_staffs_filtered_list(shop: Shop) -> None:
    order = place(shop, "a")
    instruction = assign_shipping(order, actor=shop.admin, assignee=shop.picker.user, warehouse="")[
        0
    ]
    next_url = reverse("shipping-instructions") + "?status=open"

    response = done(
        english(shop.admin), instruction, action="cannot_ship", reason="", next=next_url
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert '<option value="open" selected>' in page
    assert f'name="next" value="{next_url}"' in page


def test_cannot_ship_with_a_reason_is_recorded_and_the_administrators_are_told(
    shop: Shop,
) -> None:
    order = place(shop, "a")
    instruction = assign_shipping(order, actor=shop.admin, assignee=shop.picker.user, warehouse="")[
        0
    ]
    picker = english(shop.picker)

    response = done(picker, instruction, action="cannot_ship", reason=" トラック故障 ")
    second = done(picker, instruction, action="cannot_ship", reason="もう一度")

    assert response.status_code == 302
    assert flashed(response) == [
        f"Reported as not shippable (order {order.number}): your administrators are told."
    ]
    assert second.status_code == 302
    instruction.refresh_from_db()
    order.refresh_from_db()
    assert (instruction.status, instruction.reason) == (
        ShippingInstruction.Status.CANNOT_SHIP,
        "トラック故障",
    )
    assert order.status == OrderStatus.ACCEPTED
    event = OrderEvent.objects.get(order=order, kind="shipping_cannot_ship")
    assert (event.note, event.actor) == ("トラック故障", shop.picker.user)
    mail = OutboxMessage.objects.get(to="admin@supplier.test", subject__contains="Cannot ship")
    assert "トラック故障" in mail.body_text
    assert reverse("supplier-order", args=[order.pk]) in mail.body_text
    assert AuditEntry.objects.filter(action="shipping.cannot_ship").count() == 1
    # the staff find it with the status filter
    assert cards(english(shop.admin), status="cannot_ship") == {str(instruction.pk)}


def test_a_shipped_instruction_cannot_be_reported_not_shippable(shop: Shop) -> None:
    order = place(shop, "a")
    instruction = assign_shipping(order, actor=shop.admin, assignee=shop.picker.user, warehouse="")[
        0
    ]
    picker = english(shop.picker)
    done(picker, instruction, action="shipped")

    response = done(picker, instruction, action="cannot_ship", reason="遅れ")

    assert flashed(response) == ["This was already marked as shipped."]
    instruction.refresh_from_db()
    assert instruction.status == ShippingInstruction.Status.SHIPPED


def test_a_cancelled_order_is_not_shipped(shop: Shop) -> None:
    order = place(shop, "a")
    instruction = assign_shipping(order, actor=shop.admin, assignee=shop.picker.user, warehouse="")[
        0
    ]
    move_order(order, to_status=OrderStatus.CANCELLED, actor=shop.admin, note="お客様都合")

    with pytest.raises(ShippingError):
        mark_shipped(instruction, actor=shop.picker)

    instruction.refresh_from_db()
    assert instruction.status == OPEN
    assert cards(english(shop.picker)) == set()


def test_the_staff_filter_instructions_by_date_person_and_status(shop: Shop) -> None:
    first = assign_shipping(
        place(shop, "a"), actor=shop.admin, assignee=shop.picker.user, warehouse=""
    )[0]
    second = assign_shipping(
        place(shop, "b"), actor=shop.admin, assignee=shop.other_picker.user, warehouse=""
    )[0]
    mark_shipped(second, actor=shop.other_picker)
    admin = english(shop.admin)

    assert cards(admin, assignee=str(shop.picker.user_id)) == {str(first.pk)}
    assert cards(admin, status="shipped") == {str(second.pk)}
    assert cards(admin, day="2026-11-27") == {str(first.pk), str(second.pk)}
    assert cards(admin, day="2026-11-28") == set()
    assert (
        "No instructions match"
        in admin.get(reverse("shipping-instructions"), {"day": "2026-11-28"}).content.decode()
    )


def at_the_same_moment(*taps: Callable[[], object]) -> list[BaseException]:
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(taps))

    def run(tap: Callable[[], object]) -> None:
        try:
            barrier.wait()
            tap()
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(tap,)) for tap in taps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


@pytest.mark.django_db(transaction=True)
def test_two_taps_on_shipped_at_the_same_moment_ship_once(shop: Shop) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writer at a time; the race is real on PostgreSQL")
    order = place(shop, "a")
    instruction = assign_shipping(order, actor=shop.admin, assignee=shop.picker.user, warehouse="")[
        0
    ]
    mails_before = OutboxMessage.objects.filter(to="chef@buyer.test").count()

    errors = at_the_same_moment(
        lambda: mark_shipped(instruction, actor=shop.picker),
        lambda: mark_shipped(instruction, actor=shop.picker),
    )

    assert errors == []
    order.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED
    assert AuditEntry.objects.filter(action="shipping.shipped").count() == 1
    assert OrderEvent.objects.filter(order=order, to_status=OrderStatus.SHIPPED).count() == 1
    assert OutboxMessage.objects.filter(to="chef@buyer.test").count() == mails_before + 1


@pytest.mark.django_db(transaction=True)
def test_the_last_two_lines_shipped_at_the_same_moment_ship_the_order_once(shop: Shop) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writer at a time; the race is real on PostgreSQL")
    order = place(shop, "a")
    cabbage_line, chopsticks_line = order.lines.all()
    first = assign_shipping(
        order, actor=shop.admin, assignee=shop.picker.user, warehouse="", lines=[cabbage_line]
    )[0]
    second = assign_shipping(
        order,
        actor=shop.admin,
        assignee=shop.other_picker.user,
        warehouse="",
        lines=[chopsticks_line],
    )[0]

    errors = at_the_same_moment(
        lambda: mark_shipped(first, actor=shop.picker),
        lambda: mark_shipped(second, actor=shop.other_picker),
    )

    assert errors == []
    order.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED
    assert OrderEvent.objects.filter(order=order, to_status=OrderStatus.SHIPPED).count() == 1


# ---- access -------------------------------------------------------------------------------------


def test_another_suppliers_or_another_persons_instruction_answers_404_and_nothing_changes(
    shop: Shop, outsider: Membership
) -> None:
    order = place(shop, "a")
    instruction = assign_shipping(order, actor=shop.admin, assignee=shop.picker.user, warehouse="")[
        0
    ]
    stranger = english(outsider)
    colleague = english(shop.other_picker)

    assert done(stranger, instruction, action="shipped").status_code == 404
    assert done(stranger, instruction, action="cannot_ship", reason="x").status_code == 404
    assert done(colleague, instruction, action="shipped").status_code == 404
    assert assign(stranger, order, warehouse="よその倉庫").status_code == 404
    assert cards(stranger) == set()
    picking = stranger.get(reverse("picking-list"), {"day": "2026-11-27"}).content.decode()
    assert "キャベツ" not in picking

    instruction.refresh_from_db()
    order.refresh_from_db()
    assert (instruction.status, instruction.assignee) == (OPEN, shop.picker.user)
    assert order.status == OrderStatus.ACCEPTED
    assert ShippingInstruction.objects.count() == 1


def test_a_shipping_person_reaches_only_the_shipping_pages(shop: Shop) -> None:
    order = place(shop, "a")
    picker = english(shop.picker)

    assert picker.get(reverse("shipping-instructions")).status_code == 200
    assert picker.get(reverse("picking-list")).status_code == 200
    assert assign(picker, order, assignee=str(shop.picker.user_id)).status_code == 403
    assert picker.get(reverse("customer-list")).status_code == 403
    try:
        inbox = picker.get(reverse("supplier-inbox"))
    except NotImplementedError:
        pass  # the inbox is still being written
    else:
        assert inbox.status_code == 403
    assert not ShippingInstruction.objects.exists()


def test_a_viewer_reads_the_shipping_pages_but_marks_nothing(
    shop: Shop, supplier: Organization
) -> None:
    viewer = english(MembershipFactory.create(organization=supplier, role=Role.VIEWER))
    instruction = assign_shipping(
        place(shop, "a"), actor=shop.admin, assignee=shop.picker.user, warehouse=""
    )[0]

    page = viewer.get(reverse("shipping-instructions"))

    assert page.status_code == 200
    assert f'id="shipped-{instruction.pk}"' not in page.content.decode()
    assert done(viewer, instruction, action="shipped").status_code == 403
    instruction.refresh_from_db()
    assert instruction.status == OPEN


# ---- picking list -------------------------------------------------------------------------------


@pytest.fixture
def south(shop: Shop, supplier: Organization) -> tuple[Membership, Customer, Location]:
    """A second customer, on another route."""
    other_buyer = BuyerFactory.create(code="south-buyer", name="南の食堂")
    member = MembershipFactory.create(organization=other_buyer, role=Role.MEMBER)
    customer, location = linked_customer(
        supplier, other_buyer, name="南の食堂", delivery_route="南ルート"
    )
    return member, customer, location


def totals(page: str) -> dict[str, tuple[str, str]]:
    rows = re.findall(
        r'<tr class="picking-total" data-product="(\w+)">.*?<strong class="picking-total__pieces">(\d+)</strong>.*?<td[^>]*class="num picking-total__cases">(.*?)</td>',
        page,
        re.S,
    )
    return {code: (pieces, re.sub(r"<[^>]+>", "", cases).strip()) for code, pieces, cases in rows}


def test_the_picking_list_totals_a_product_over_orders_and_filters_by_route(
    shop: Shop, south: tuple[Membership, Customer, Location]
) -> None:
    member, customer, location = south
    place(shop, "north")  # 2 cases of cabbage (20 玉) and 3 chopsticks
    place(
        shop,
        "south",
        member=member,
        customer=customer,
        location=location,
        lines=[LineRequest(shop.cabbage, 7)],
    )
    place(shop, "not-accepted", accept=False)
    admin = english(shop.admin)

    page = admin.get(reverse("picking-list"), {"day": "2026-11-27"}).content.decode()
    north_only = admin.get(
        reverse("picking-list"), {"day": "2026-11-27", "route": "北ルート"}
    ).content.decode()
    other_day = admin.get(reverse("picking-list"), {"day": "2026-11-28"}).content.decode()

    assert totals(page) == {
        "H1": ("3", "—"),
        "V1": ("27", "2 cases + 7 玉 (10 玉 per case)"),
    }
    assert "2 orders" in page
    assert page.index("テスト食堂") < page.index("南の食堂")
    assert totals(north_only) == {"H1": ("3", "—"), "V1": ("20", "2 cases (10 玉 per case)")}
    assert "南の食堂" not in north_only
    assert '<option value="北ルート" selected>' in north_only
    assert '<option value="南ルート">' in north_only
    assert "Nothing to pick" in other_day
    assert 'media="print"' in page
    assert "To print it, use your browser's print" in page


def test_a_shortage_is_picked_as_confirmed(shop: Shop) -> None:
    order = place(shop, "a")
    order.lines.filter(product_code="H1").update(confirmed_quantity=1)

    page = english(shop.admin).get(reverse("picking-list"), {"day": "2026-11-27"}).content.decode()

    assert totals(page)["H1"] == ("1", "—")


def test_a_shipping_persons_picking_list_holds_only_their_open_work(shop: Shop) -> None:
    mine = place(shop, "a")
    place(shop, "b")  # given to nobody
    assign_shipping(
        mine,
        actor=shop.admin,
        assignee=shop.picker.user,
        warehouse="",
        lines=[mine.lines.get(product_code="V1")],
    )

    page = english(shop.picker).get(reverse("picking-list"), {"day": "2026-11-27"}).content.decode()

    assert totals(page) == {"V1": ("20", "2 cases (10 玉 per case)")}


def test_a_bad_picking_date_is_pointed_out(shop: Shop) -> None:
    page = english(shop.admin).get(reverse("picking-list"), {"day": "2026-13-45"}).content.decode()

    assert "Enter a valid date." in page
    assert "Totals by product" not in page


def test_the_picking_list_uses_the_same_number_of_queries_for_2_and_20_orders(
    shop: Shop, south: tuple[Membership, Customer, Location]
) -> None:
    member, customer, location = south
    place(shop, "n0")
    place(shop, "s0", member=member, customer=customer, location=location)
    admin = english(shop.admin)
    admin.get(reverse("dashboard"))  # the session's own bookkeeping happens once

    def count() -> int:
        with CaptureQueriesContext(connection) as context:
            response = admin.get(reverse("picking-list"), {"day": "2026-11-27"})
            assert response.status_code == 200
        return len(context.captured_queries)

    few = count()
    for n in range(1, 10):
        place(shop, f"n{n}")
        place(shop, f"s{n}", member=member, customer=customer, location=location)

    assert Order.objects.filter(status=OrderStatus.ACCEPTED).count() == 20
    many = count()
    assert many == few
    page = admin.get(reverse("picking-list"), {"day": "2026-11-27"}).content.decode()
    assert totals(page)["V1"] == ("400", "40 cases (10 玉 per case)")


def test_the_shipping_page_uses_the_same_number_of_queries_for_2_and_20_instructions(
    shop: Shop,
) -> None:
    for key in ("a", "b"):
        assign_shipping(place(shop, key), actor=shop.admin, assignee=shop.picker.user, warehouse="")
    picker = english(shop.picker)
    admin = english(shop.admin)
    picker.get(reverse("dashboard"))
    admin.get(reverse("dashboard"))

    def count(client: Client) -> int:
        with CaptureQueriesContext(connection) as context:
            assert client.get(reverse("shipping-instructions")).status_code == 200
        return len(context.captured_queries)

    few = count(picker), count(admin)
    for n in range(18):
        assign_shipping(
            place(shop, f"more-{n}"), actor=shop.admin, assignee=shop.picker.user, warehouse=""
        )

    assert ShippingInstruction.objects.count() == 20
    assert (count(picker), count(admin)) == few
