"""The demo suppliers' customers, products, prices and calendar (CONTRACT.md: seed_demo)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from django.utils import timezone

from tsunagu.accounts.models import Membership, Organization
from tsunagu.calendar import services as calendar
from tsunagu.calendar.models import ClosedDate
from tsunagu.catalog import services as catalog
from tsunagu.catalog.models import PriceGroup, Product
from tsunagu.customers import services as customers
from tsunagu.customers.models import Customer

if TYPE_CHECKING:
    from tsunagu.ordering.models import Order

# (code, name, kana, unit, units per case, price, tax rate, category)
PRODUCTS = [
    ("V001", "キャベツ", "キャベツ", "玉", 10, "198", 8, "野菜"),
    ("V002", "玉ねぎ 1kg", "タマネギ", "袋", 20, "298", 8, "野菜"),
    ("V003", "人参 1kg", "ニンジン", "袋", 20, "258", 8, "野菜"),
    ("V004", "じゃがいも 1kg", "ジャガイモ", "袋", 20, "278", 8, "野菜"),
    ("V005", "長ねぎ", "ナガネギ", "本", 30, "98", 8, "野菜"),
    ("V006", "大根", "ダイコン", "本", 10, "168", 8, "野菜"),
    ("V007", "ほうれん草", "ホウレンソウ", "束", 30, "148", 8, "野菜"),
    ("V008", "トマト", "トマト", "個", 40, "68", 8, "野菜"),
    ("V009", "きゅうり", "キュウリ", "本", 50, "48", 8, "野菜"),
    ("V010", "しいたけ 100g", "シイタケ", "パック", 20, "198", 8, "野菜"),
    ("F001", "りんご", "リンゴ", "個", 36, "128", 8, "果物"),
    ("F002", "みかん 1kg", "ミカン", "袋", 10, "498", 8, "果物"),
    ("F003", "レモン", "レモン", "個", 50, "78", 8, "果物"),
    ("F004", "バナナ", "バナナ", "房", 12, "198", 8, "果物"),
    ("M001", "鶏もも肉 2kg", "トリモモニク", "袋", 6, "1680", 8, "精肉"),
    ("M002", "豚バラ肉 1kg", "ブタバラニク", "袋", 10, "1580", 8, "精肉"),
    ("M003", "牛こま切れ 1kg", "ギュウコマギレ", "袋", 10, "2480", 8, "精肉"),
    ("S001", "国産小麦粉 1kg", "コクサンコムギコ", "袋", 15, "420", 8, "粉類"),
    ("S002", "上白糖 1kg", "ジョウハクトウ", "袋", 20, "248", 8, "調味料"),
    ("S003", "業務用醤油 1.8L", "ギョウムヨウショウユ", "本", 6, "980", 8, "調味料"),
    ("S004", "米味噌 1kg", "コメミソ", "個", 10, "580", 8, "調味料"),
    ("S005", "みりん 1.8L", "ミリン", "本", 6, "1180", 8, "調味料"),
    ("S006", "米油 16.5kg", "コメアブラ", "缶", 1, "6800", 8, "油"),
    ("S007", "ごま油 1.65kg", "ゴマアブラ", "缶", 6, "2380", 8, "油"),
    ("S008", "特選かつお節 500g", "トクセンカツオブシ", "袋", 10, "2450", 8, "乾物"),
    ("S009", "日高昆布 1kg", "ヒダカコンブ", "袋", 5, "3980", 8, "乾物"),
    ("S010", "有機トマト缶 400g", "ユウキトマトカン", "缶", 24, "198", 8, "缶詰"),
    ("S011", "塩 1kg", "シオ", "袋", 20, "128", 8, "調味料"),
    ("S012", "黒こしょう 100g", "クロコショウ", "本", 12, "680", 8, "調味料"),
    ("R001", "コシヒカリ 10kg", "コシヒカリ", "袋", 1, "5980", 8, "米"),
    ("R002", "うどん 200g×5", "ウドン", "袋", 20, "298", 8, "麺"),
    ("R003", "中華麺 150g×10", "チュウカメン", "袋", 10, "680", 8, "麺"),
    ("D001", "牛乳 1L", "ギュウニュウ", "本", 12, "218", 8, "乳製品"),
    ("D002", "無塩バター 450g", "ムエンバター", "個", 20, "1280", 8, "乳製品"),
    ("D003", "生クリーム 1L", "ナマクリーム", "本", 6, "1480", 8, "乳製品"),
    ("D004", "卵 10個", "タマゴ", "パック", 15, "298", 8, "卵"),
    ("B001", "緑茶 2L", "リョクチャ", "本", 6, "168", 8, "飲料"),
    ("B002", "ミネラルウォーター 2L", "ミネラルウォーター", "本", 6, "98", 8, "飲料"),
    ("B003", "炭酸水 500ml", "タンサンスイ", "本", 24, "78", 8, "飲料"),
    ("A001", "料理酒 1.8L", "リョウリシュ", "本", 6, "780", 10, "酒類"),
    ("A002", "生ビール 10L 樽", "ナマビールタル", "樽", 1, "8800", 10, "酒類"),
    ("A003", "日本酒 1.8L", "ニホンシュ", "本", 6, "2180", 10, "酒類"),
    ("A004", "焼酎 1.8L", "ショウチュウ", "本", 6, "1680", 10, "酒類"),
    ("H001", "業務用洗剤 5L", "ギョウムヨウセンザイ", "本", 4, "1980", 10, "日用品"),
    ("H002", "ゴム手袋 M 100枚", "ゴムテブクロ", "箱", 10, "880", 10, "日用品"),
    ("H003", "キッチンペーパー 6ロール", "キッチンペーパー", "袋", 8, "498", 10, "日用品"),
    ("H004", "ラップ 30cm×50m", "ラップ", "本", 30, "238", 10, "日用品"),
    ("H005", "割り箸 100膳", "ワリバシ", "袋", 40, "12.5", 10, "日用品"),
    ("H006", "紙おしぼり 100枚", "カミオシボリ", "袋", 20, "350", 10, "日用品"),
    ("H007", "アルミホイル 25cm", "アルミホイル", "本", 30, "198", 10, "日用品"),
]

# Billed per delivery (都度請求): an invoice for each delivered order.
PER_DELIVERY = {"C0004"}

# (supplier code, customer code, name, kana, closing day, buyer code, weekdays)
CUSTOMERS = [
    (
        "demo-supplier",
        "C0001",
        "レストラン さくら",
        "レストランサクラ",
        20,
        "demo-buyer",
        "0123456",
    ),
    ("demo-supplier", "C0002", "居酒屋 はなみち", "イザカヤハナミチ", 31, "demo-buyer-2", "01234"),
    ("demo-supplier", "C0003", "ベーカリー こむぎ", "ベーカリーコムギ", 25, "demo-buyer-3", "024"),
    ("demo-supplier", "C0004", "食堂 まるや (FAXのみ)", "ショクドウマルヤ", 31, None, "135"),
    (
        "demo-supplier-2",
        "M-01",
        "レストラン さくら",
        "レストランサクラ",
        31,
        "demo-buyer",
        "0123456",
    ),
]


def seed_catalog(owners: dict[str, Membership]) -> None:
    """Idempotent: each part is made only when the supplier has none of it yet."""
    for supplier_code, actor in owners.items():
        supplier = actor.organization
        if not Product.objects.filter(supplier=supplier).exists():
            for code, name, kana, unit, per_case, price, rate, category in PRODUCTS:
                catalog.save_product(
                    None,
                    actor=actor,
                    data={
                        "product_code": code,
                        "name": name,
                        "name_kana": kana,
                        "unit": unit,
                        "units_per_case": per_case,
                        "sold_by_case": per_case > 1,
                        "unit_price": Decimal(price),
                        "tax_rate": rate,
                        "category": category,
                    },
                )
        if not Customer.objects.filter(supplier=supplier).exists():
            for owner_code, code, name, kana, closing, buyer_code, weekdays in CUSTOMERS:
                if owner_code != supplier_code:
                    continue
                customers.save_customer(
                    None,
                    actor=actor,
                    data={
                        "customer_code": code,
                        "name": name,
                        "name_kana": kana,
                        "closing_day": closing,
                        "billing_method": (
                            Customer.BillingMethod.PER_ORDER
                            if code in PER_DELIVERY
                            else Customer.BillingMethod.CLOSING
                        ),
                        "payment_month_offset": 1,
                        "payment_day": 31,
                        "delivery_weekdays": weekdays,
                        "buyer": Organization.objects.filter(code=buyer_code).first()
                        if buyer_code
                        else None,
                    },
                )
        if not PriceGroup.objects.filter(supplier=supplier).exists():
            group = catalog.save_price_group(None, actor=actor, name="卸価格", rate=Decimal("85"))
            for customer in Customer.objects.filter(supplier=supplier, customer_code="C0002"):
                customers.save_customer(customer, actor=actor, data={"price_group": group})
            sakura = Customer.objects.filter(supplier=supplier, customer_code="C0001").first()
            if sakura is not None:
                for code, price in (("S008", "2200"), ("V001", "180"), ("S003", "900")):
                    product = Product.objects.get(supplier=supplier, product_code=code)
                    catalog.set_customer_price(
                        sakura, product, actor=actor, unit_price=Decimal(price)
                    )
        if not ClosedDate.objects.filter(supplier=supplier).exists():
            calendar.update_calendar(supplier, actor=actor, data={"closed_weekdays": {6}})
            year = timezone.localdate().year
            calendar.add_closed_dates(
                supplier,
                actor=actor,
                start=datetime.date(year, 12, 30),
                end=datetime.date(year + 1, 1, 3),
                note="年末年始",
            )


# (buyer member e-mail, supplier code, days ago, [(product code, quantity, unit)], final status)
ORDERS = [
    (
        "owner@demo-buyer.example",
        "demo-supplier",
        21,
        [("V001", 4, "piece"), ("S003", 2, "piece"), ("D004", 3, "piece")],
        "delivered",
    ),
    (
        "owner@demo-buyer.example",
        "demo-supplier",
        14,
        [("V001", 4, "piece"), ("S003", 2, "piece"), ("D004", 3, "piece"), ("S008", 1, "piece")],
        "delivered",
    ),
    (
        "staff@demo-buyer.example",
        "demo-supplier",
        7,
        [("V002", 1, "case"), ("V003", 2, "piece"), ("M001", 2, "piece")],
        "shipped",
    ),
    (
        "owner@demo-buyer.example",
        "demo-supplier",
        3,
        [("V001", 4, "piece"), ("S003", 2, "piece"), ("D004", 3, "piece")],
        "accepted",
    ),
    (
        "owner@demo-buyer.example",
        "demo-supplier",
        1,
        [("B002", 12, "piece"), ("H005", 3, "piece")],
        "submitted",
    ),
    ("owner@demo-buyer.example", "demo-supplier", 10, [("A002", 1, "piece")], "cancelled"),
    (
        "owner@demo-buyer-2.example",
        "demo-supplier",
        5,
        [("A003", 6, "piece"), ("A004", 6, "piece")],
        "delivered",
    ),
    (
        "owner@demo-buyer.example",
        "demo-supplier-2",
        6,
        [("F001", 12, "piece"), ("F003", 10, "piece")],
        "delivered",
    ),
]
PATHS = {
    "submitted": [],
    "accepted": ["accepted"],
    "shipped": ["accepted", "shipped"],
    "delivered": ["accepted", "shipped", "delivered"],
    "cancelled": ["cancelled"],
}
FAVOURITES = ["V001", "S003", "D004", "S008"]


def seed_orders(owners: dict[str, Membership]) -> None:
    """A few weeks of orders in every status, and the demo buyer's usual items."""
    from datetime import timedelta

    from tsunagu.ordering import services as ordering
    from tsunagu.ordering.models import Favourite, Order
    from tsunagu.ordering.rules import LineRequest, delivery_choices

    if Order.objects.filter(idempotency_key__startswith="demo-").exists():
        return
    for n, (email, supplier_code, days_ago, lines, status) in enumerate(ORDERS):
        member = Membership.objects.select_related("organization", "user").get(
            user__email=email, organization__is_buyer=True
        )
        customer = Customer.objects.select_related("supplier").get(
            supplier__code=supplier_code, buyer=member.organization
        )
        now = timezone.now() - timedelta(days=days_ago)
        choices = delivery_choices(customer, now=now)
        requests = [
            LineRequest(
                Product.objects.get(supplier=customer.supplier, product_code=code), qty, unit
            )
            for code, qty, unit in lines
        ]
        sent = ordering.send_order(
            member,
            customer,
            location=customer.locations.get(is_default=True),
            lines=requests,
            delivery_date=choices[0].day,
            idempotency_key=f"demo-{n}",
            now=now,
            clear_cart=False,
        )
        for step in PATHS[status]:
            note = "ご希望の樽が品切れのため、取り消しました。" if step == "cancelled" else ""
            ordering.move_order(sent.order, to_status=step, actor=owners[supplier_code], note=note)
        _arrived_on_the_day(sent.order)
    buyer = Organization.objects.get(code="demo-buyer")
    supplier = Organization.objects.get(code="demo-supplier")
    for code in FAVOURITES:
        Favourite.objects.get_or_create(
            buyer=buyer,
            supplier=supplier,
            product=Product.objects.get(supplier=supplier, product_code=code),
        )


# Orders taken by phone, FAX, e-mail and LINE, entered by the demo supplier's staff with their
# sources. (customer code, channel, [(product code, quantity)], source file name, final status)
PROXY_ORDERS = [
    ("C0004", "fax", [("V001", 6), ("S003", 1), ("D004", 5)], "fax-maruya.pdf", "accepted"),
    ("C0004", "phone", [("R002", 10)], None, "delivered"),
    ("C0002", "email", [("A003", 6)], "order-hanamichi.eml", "submitted"),
    ("C0003", "line", [("S001", 5), ("D002", 2)], "line-komugi.png", "shipped"),
]


def _demo_source(name: str) -> bytes:
    if name.endswith(".pdf"):
        return (
            b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
            b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
            b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
            b"trailer<</Root 1 0 R>>\n%%EOF\n"
        )
    if name.endswith(".eml"):
        return (
            "From: hanamichi@example.jp\r\nTo: order@demo-supplier.example\r\n"
            "Subject: =?utf-8?b?5rOo5paH?=\r\nDate: Thu, 26 Nov 2026 09:12:00 +0900\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\n日本酒 6本 お願いします。\r\n"
        ).encode()
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (240, 320), (250, 250, 245)).save(buffer, format="PNG")
    return buffer.getvalue()


def seed_proxy_orders(owners: dict[str, Membership]) -> None:
    from tsunagu.ordering import services as ordering
    from tsunagu.ordering.models import Order
    from tsunagu.ordering.rules import LineRequest

    if Order.objects.filter(idempotency_key__startswith="demo-proxy-").exists():
        return
    actor = owners["demo-supplier"]
    for n, (code, channel, lines, source, status) in enumerate(PROXY_ORDERS):
        customer = Customer.objects.get(supplier=actor.organization, customer_code=code)
        attachments = (
            [ordering.store_attachment(actor=actor, name=source, data=_demo_source(source))]
            if source
            else []
        )
        sent = ordering.enter_order_by_proxy(
            actor=actor,
            customer=customer,
            location=customer.locations.get(is_default=True),
            lines=[
                LineRequest(Product.objects.get(supplier=actor.organization, product_code=p), q)
                for p, q in lines
            ],
            delivery_date=timezone.localdate() + datetime.timedelta(days=n % 3 + 1),
            channel=channel,
            attachments=attachments,
            idempotency_key=f"demo-proxy-{n}",
        )
        for step in PATHS[status]:
            ordering.move_order(sent.order, to_status=step, actor=actor)
        _arrived_on_the_day(sent.order)


def _arrived_on_the_day(order: Order) -> None:
    """The demo's history: its moves are recorded on the seeding day, but the goods of a delivered
    order arrived on their delivery day, which is what documents and billing date it by. Only
    the seed writes this directly; people record the day when they mark an order delivered."""
    from tsunagu.ordering.models import Order, OrderStatus

    day = min(order.delivery_date or order.requested_delivery_date, timezone.localdate())
    Order.objects.filter(pk=order.pk, status=OrderStatus.DELIVERED).update(delivered_on=day)


def seed_shipping(owners: dict[str, Membership]) -> None:
    """The demo supplier's accepted orders are given to its shipping user."""
    from tsunagu.ordering.models import Order, OrderStatus, ShippingInstruction
    from tsunagu.ordering.shipping import assign_shipping

    actor = owners["demo-supplier"]
    if ShippingInstruction.objects.filter(supplier=actor.organization).exists():
        return
    shipper = Membership.objects.get(
        organization=actor.organization, user__email="shipping@demo-supplier.example"
    )
    for order in Order.objects.filter(supplier=actor.organization, status=OrderStatus.ACCEPTED):
        assign_shipping(order, actor=actor, assignee=shipper.user, warehouse="")
