from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import client_for
from tsunagu.accounts.models import Membership, Organization
from tsunagu.audit.models import AuditEntry
from tsunagu.catalog.models import Product
from tsunagu.catalog.tests.factories import ProductFactory
from tsunagu.notifications.models import OutboxMessage
from tsunagu.ordering import services
from tsunagu.ordering.models import Order, OrderAttachment, OrderStatus
from tsunagu.ordering.rules import LineRequest
from tsunagu.ordering.tests.factories import linked_customer

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=ZoneInfo("Asia/Tokyo"))


@pytest.fixture
def placed(supplier: Organization, buyer: Organization, buyer_member: Membership) -> Order:
    customer, location = linked_customer(supplier, buyer, name="テスト食堂", customer_code="C1")
    cabbage = ProductFactory.create(
        supplier=supplier, product_code="V1", name="キャベツ", unit="玉", unit_price=Decimal("198")
    )
    salt = ProductFactory.create(
        supplier=supplier,
        product_code="S1",
        name="塩",
        unit="袋",
        unit_price=Decimal("128"),
        stock=Decimal("5"),
    )
    return services.send_order(
        buyer_member,
        customer,
        location=location,
        lines=[LineRequest(cabbage, 4), LineRequest(salt, 3)],
        delivery_date=date(2026, 11, 27),
        idempotency_key="k",
        now=NOW,
    ).order


def test_the_inbox_shows_new_orders_counts_and_filters(
    supplier_client: Client, placed: Order
) -> None:
    page = supplier_client.get(reverse("supplier-inbox")).content.decode()

    assert "テスト食堂" in page
    assert 'class="inbox__item is-new"' in page
    assert "受付待ち <strong>1</strong>" in page
    assert (
        "テスト食堂"
        not in supplier_client.get(
            reverse("supplier-inbox"), {"status": "shipped"}
        ).content.decode()
    )
    assert (
        "テスト食堂" in supplier_client.get(reverse("supplier-inbox"), {"q": "C1"}).content.decode()
    )


def test_the_inbox_pages_count_the_orders_each_filter_shows(
    supplier_client: Client, placed: Order, buyer_member: Membership, supplier_admin: Membership
) -> None:
    for n in range(2):
        other = services.send_order(
            buyer_member,
            placed.customer,
            location=placed.location,
            lines=[LineRequest(Product.objects.get(product_code="V1"), 1)],
            delivery_date=date(2026, 11, 27),
            idempotency_key=f"count-{n}",
            now=NOW,
        ).order
    services.move_order(other, to_status=OrderStatus.ACCEPTED, actor=supplier_admin)

    def total(**params: str) -> int:
        response = supplier_client.get(reverse("supplier-inbox"), params)
        return int(response.context["page"].paginator.count)

    assert total() == 3
    assert total(status="submitted") == 2
    assert total(status="accepted") == 1
    assert total(status="shipped") == 0
    assert total(q=other.number) == 1
    assert total(status="accepted", q=placed.number) == 0


def test_the_inbox_uses_a_fixed_number_of_queries(
    supplier_client: Client, placed: Order, buyer_member: Membership
) -> None:
    supplier_client.get(reverse("supplier-inbox"))

    def count() -> int:
        with CaptureQueriesContext(connection) as context:
            supplier_client.get(reverse("supplier-inbox"))
        return len(context.captured_queries)

    few = count()
    for n in range(5):
        services.send_order(
            buyer_member,
            placed.customer,
            location=placed.location,
            lines=[LineRequest(Product.objects.get(product_code="V1"), 1)],
            delivery_date=date(2026, 11, 27),
            idempotency_key=f"more-{n}",
            now=NOW,
        )
    assert count() == few


def test_accepting_keeps_the_stock_reserved_and_tells_the_buyer(
    supplier_client: Client, placed: Order
) -> None:
    # Placing the order reserved 3 of the 5.
    assert Product.objects.get(product_code="S1").stock == Decimal("2")

    supplier_client.post(
        reverse("supplier-order-move", args=[placed.pk]), {"to_status": "accepted"}
    )

    placed.refresh_from_db()
    assert placed.status == OrderStatus.ACCEPTED
    assert Product.objects.get(product_code="S1").stock == Decimal("2")
    assert OutboxMessage.objects.filter(to="chef@buyer.test", subject__contains="受注確定").exists()


def test_an_order_placed_before_reservations_takes_its_stock_when_accepted_or_is_refused(
    supplier_client: Client, placed: Order
) -> None:
    # As if placed before stock was reserved at placement: it holds nothing.
    placed.lines.update(reserved_pieces=0)
    Product.objects.filter(product_code="S1").update(stock=Decimal("2"))

    response = supplier_client.post(
        reverse("supplier-order-move", args=[placed.pk]), {"to_status": "accepted"}
    )

    assert "在庫が足りないため受注確定できません" in response.content.decode()
    placed.refresh_from_db()
    assert placed.status == OrderStatus.SUBMITTED
    Product.objects.filter(product_code="S1").update(stock=Decimal("4"))
    supplier_client.post(
        reverse("supplier-order-move", args=[placed.pk]), {"to_status": "accepted"}
    )
    assert Product.objects.get(product_code="S1").stock == Decimal("1")


def test_a_move_that_is_not_allowed_is_refused(supplier_client: Client, placed: Order) -> None:
    response = supplier_client.post(
        reverse("supplier-order-move", args=[placed.pk]), {"to_status": "delivered"}
    )

    assert "「受付待ち」の注文を「納品済」にはできません" in response.content.decode()
    cancel = supplier_client.post(
        reverse("supplier-order-move", args=[placed.pk]), {"to_status": "cancelled", "note": ""}
    )
    assert "キャンセルの理由を書いてください" in cancel.content.decode()


def test_bulk_accept(supplier_client: Client, placed: Order) -> None:
    supplier_client.post(
        reverse("supplier-orders-bulk"), {"to_status": "accepted", "order": [placed.pk]}
    )

    placed.refresh_from_db()
    assert placed.status == OrderStatus.ACCEPTED


@pytest.mark.parametrize(
    ("next_url", "lands_on"),
    [
        ("/supplier/orders/?status=submitted", "/supplier/orders/?status=submitted"),
        ("https://evil.example/", "/supplier/orders/"),
    ],
)
def test_bulk_actions_go_back_only_within_the_site(
    supplier_client: Client, placed: Order, next_url: str, lands_on: str
) -> None:
    response = supplier_client.post(
        reverse("supplier-orders-bulk"),
        {"to_status": "accepted", "order": [placed.pk], "next": next_url},
    )

    assert response.status_code == 302
    assert response["Location"] == lands_on


def test_a_shortage_is_a_revision_the_buyer_sees(
    supplier_client: Client, placed: Order, buyer_client: Client
) -> None:
    services.move_order(
        placed,
        to_status="accepted",
        actor=Membership.objects.get(user__email="admin@supplier.test"),
    )
    placed.refresh_from_db()
    cabbage = placed.lines.get(product_code="V1")

    supplier_client.post(
        reverse("supplier-order-change", args=[placed.pk]),
        {"version": placed.version, f"confirm-{cabbage.pk}": "２", "reason": "入荷が少なく"},
    )

    cabbage.refresh_from_db()
    assert cabbage.confirmed_quantity == 2
    assert cabbage.amount == Decimal("396")
    revision = placed.revisions.get()
    assert revision.changes == [
        {"kind": "shortage", "product": "V1", "name": "キャベツ", "from": 4, "to": 2}
    ]
    page = buyer_client.get(reverse("buyer-order-detail", args=[placed.pk])).content.decode()
    assert "欠品" in page
    assert OutboxMessage.objects.filter(to="chef@buyer.test", subject__contains="変更").exists()


def test_two_people_changing_at_once_the_second_is_told(
    supplier_client: Client, placed: Order
) -> None:
    cabbage = placed.lines.get(product_code="V1")
    url = reverse("supplier-order-change", args=[placed.pk])
    supplier_client.post(url, {"version": placed.version, f"confirm-{cabbage.pk}": "3"})

    late = supplier_client.post(url, {"version": placed.version, f"confirm-{cabbage.pk}": "1"})

    assert "少し前に誰かがこの注文を変更しました" in late.content.decode()
    cabbage.refresh_from_db()
    assert cabbage.confirmed_quantity == 3


def test_lines_are_added_and_removed_and_the_date_moved(
    supplier_client: Client, placed: Order
) -> None:
    salt = placed.lines.get(product_code="S1")

    supplier_client.post(
        reverse("supplier-order-change", args=[placed.pk]),
        {
            "version": placed.version,
            f"remove-{salt.pk}": "1",
            "add_code": "v1",
            "add_quantity": "1",
            "delivery_date": "2026-11-30",
            "reason": "電話で変更",
        },
    )

    placed.refresh_from_db()
    assert sorted(placed.lines.values_list("product_code", "quantity")) == [("V1", 1), ("V1", 4)]
    assert placed.delivery_date == date(2026, 11, 30)
    assert [c["kind"] for c in placed.revisions.get().changes] == ["removed", "added", "date"]


def pdf_bytes() -> bytes:
    return b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@time_machine.travel(NOW, tick=False)
def test_a_phone_order_is_entered_with_its_fax_beside_it(
    supplier_client: Client, placed: Order
) -> None:
    fax = SimpleUploadedFile("fax.pdf", pdf_bytes(), content_type="application/pdf")
    first = supplier_client.post(
        reverse("supplier-order-new"),
        {
            "customer": "c1",
            "channel": "fax",
            "lines": "V1 ５\nS1 1",
            "delivery_date": "2026-11-27",
            "attach_only": "1",
            "source": fax,
            "idempotency_key": "proxy-1",
        },
    )
    page = first.content.decode()
    attachment = OrderAttachment.objects.get()
    assert f'src="/supplier/attachments/{attachment.pk}/"' in page
    assert "V1 ５" in page

    response = supplier_client.post(
        reverse("supplier-order-new"),
        {
            "customer": "c1",
            "channel": "fax",
            "lines": "V1 ５\nS1 1",
            "delivery_date": "2026-11-27",
            "attachment": attachment.pk,
            "idempotency_key": "proxy-1",
        },
        follow=True,
    )

    order = Order.objects.get(channel="fax")
    assert order.entered_by_supplier
    assert sorted(order.lines.values_list("product_code", "quantity")) == [("S1", 1), ("V1", 5)]
    attachment.refresh_from_db()
    assert attachment.order == order
    assert (
        supplier_client.get(reverse("supplier-attachment", args=[attachment.pk])).content
        == pdf_bytes()
    )
    assert f"注文 {order.number} をテスト食堂の分として入力しました。" in response.content.decode()
    entry = AuditEntry.objects.get(
        action="order.entered_by_proxy", organization_id=order.supplier_id
    )
    assert entry.acting_for_id == order.buyer_id
    buyer_page = client_for(Membership.objects.get(user__email="chef@buyer.test")).get(
        reverse("buyer-order-detail", args=[order.pk])
    )
    assert "受注企業が代わりに入力した注文です" in buyer_page.content.decode()


def test_a_wrong_file_is_refused_and_the_typed_order_kept(
    supplier_client: Client, placed: Order
) -> None:
    exe = SimpleUploadedFile("fax.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")

    response = supplier_client.post(
        reverse("supplier-order-new"),
        {
            "customer": "C1",
            "channel": "phone",
            "lines": "V1 2",
            "delivery_date": "2026-11-28",
            "source": exe,
        },
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert "PDF、写真(JPEG・PNG)、メール(.eml)のファイルを添付してください。" in page
    assert "V1 2</textarea>" in page
    assert not Order.objects.filter(channel="phone").exists()


def test_unknown_customer_and_codes_are_named(supplier_client: Client, placed: Order) -> None:
    response = supplier_client.post(
        reverse("supplier-order-new"),
        {
            "customer": "ZZ9",
            "channel": "phone",
            "lines": "V1 2\nNOPE 1",
            "delivery_date": "2026-11-28",
        },
    )

    page = response.content.decode()
    assert 'id="customer"' in page
    assert "NOPE" in page
    assert Order.objects.count() == 1


def test_attachments_are_encrypted_at_rest(
    supplier_client: Client, placed: Order, settings: object
) -> None:
    from django.core.files.storage import default_storage

    supplier_client.post(
        reverse("supplier-order-new"),
        {
            "customer": "C1",
            "channel": "fax",
            "lines": "",
            "delivery_date": "2026-11-28",
            "attach_only": "1",
            "source": SimpleUploadedFile("fax.pdf", pdf_bytes()),
        },
    )

    with default_storage.open(OrderAttachment.objects.get().storage_name, "rb") as stored:
        assert b"%PDF" not in stored.read()


def test_viewers_read_but_do_not_change(
    supplier: Organization, supplier_member: Membership, placed: Order
) -> None:
    supplier_member.role = "viewer"
    supplier_member.save()
    viewer = client_for(supplier_member)

    assert viewer.get(reverse("supplier-order", args=[placed.pk])).status_code == 200
    assert (
        viewer.post(
            reverse("supplier-order-move", args=[placed.pk]), {"to_status": "accepted"}
        ).status_code
        == 403
    )


def test_the_supplier_writes_to_the_customer_on_the_order(
    supplier_client: Client, placed: Order
) -> None:
    empty = supplier_client.post(reverse("supplier-order-message", args=[placed.pk]), {"body": " "})
    assert 'class="field__error"' in empty.content.decode()

    supplier_client.post(
        reverse("supplier-order-message", args=[placed.pk]), {"body": "明日の午前に伺います"}
    )

    assert placed.messages.get().from_supplier
    mail = OutboxMessage.objects.filter(to="chef@buyer.test").latest("created_at")
    assert "明日の午前に伺います" in mail.body_text
    assert f"/buyer/orders/{placed.pk}/" in mail.body_text


def test_a_huge_quantity_typed_in_proxy_entry_is_named_and_nothing_is_entered(
    supplier_client: Client, placed: Order
) -> None:
    ProductFactory.create(
        supplier=placed.supplier, product_code="K1", name="酒", unit="本", units_per_case=12
    )

    response = supplier_client.post(
        reverse("supplier-order-new"),
        {
            "customer": "C1",
            "channel": "phone",
            "lines": "V1 1000000\nS1 99999999999999999999\nK1 999999 ケース",
            "delivery_date": "2026-11-28",
        },
    )

    page = response.content.decode()
    assert "1行目: 1 から 999,999 までの数を入れてください。" in page
    assert "2行目: 1 から 999,999 までの数を入れてください。" in page
    assert "3行目: この行は 11,999,988 個になります。1行は 9,999,999 個までです。" in page
    assert "K1 999999 ケース</textarea>" in page
    assert not Order.objects.filter(channel="phone").exists()


@pytest.mark.parametrize("version", ["abc", "-1", "1.5"])
def test_a_change_sent_with_a_garbled_version_is_told_to_reload_and_changes_nothing(
    supplier_client: Client, placed: Order, version: str
) -> None:
    cabbage = placed.lines.get(product_code="V1")

    response = supplier_client.post(
        reverse("supplier-order-change", args=[placed.pk]),
        {"version": version, f"confirm-{cabbage.pk}": "1"},
    )

    assert response.status_code == 400
    assert "少し前に誰かがこの注文を変更しました" in response.content.decode()
    cabbage.refresh_from_db()
    assert cabbage.confirmed_quantity is None
