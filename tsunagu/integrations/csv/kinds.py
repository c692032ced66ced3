"""What can be imported: the columns of each kind (CONTRACT.md) and how a row becomes a record."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import models
from django.utils.translation import gettext as _

from tsunagu.accounts.models import Organization
from tsunagu.catalog.models import Product, TaxRate
from tsunagu.catalog.selectors import product_search_text
from tsunagu.core import bounds
from tsunagu.core.barcodes import validate_jan
from tsunagu.core.registration import passes_corporate_check, validate_registration_number
from tsunagu.core.text import nfkc
from tsunagu.customers.models import MONTH_END, WEEKDAY_LETTERS, Customer, Location
from tsunagu.integrations.csv import schema as s
from tsunagu.integrations.csv.schema import CellError, Column, Schema
from tsunagu.ordering.models import Channel, OrderStatus


def tax_rate(value: str) -> int | None:
    cleaned = s.normalize_number_text(value).rstrip("%")
    if not cleaned:
        return None
    if cleaned in {"10", "8"}:
        return int(cleaned)
    raise CellError(_("Write 10 or 8."))


def closing_day(value: str) -> int | None:
    cleaned = nfkc(value).replace("日", "")
    if not cleaned:
        return None
    if cleaned in {"末", "月末", "31"}:
        return MONTH_END
    if cleaned.isascii() and cleaned.isdigit() and 1 <= bounds.whole(cleaned) <= 28:
        return bounds.whole(cleaned)
    raise CellError(_("Write a day from 1 to 28, or 末 for the end of the month."))


def billing_method(value: str) -> str | None:
    cleaned = nfkc(value).lower()
    if not cleaned:
        return None
    if cleaned in {"締め", "締め請求", "締", "closing"}:
        return "closing"
    if cleaned in {"都度", "都度請求", "per_order"}:
        return "per_order"
    raise CellError(_("Write 締め (by closing day) or 都度 (per delivery)."))


def payment_month(value: str) -> int | None:
    cleaned = nfkc(value)
    words = {"当月": 0, "翌月": 1, "翌々月": 2, "0": 0, "1": 1, "2": 2}
    if not cleaned:
        return None
    if cleaned in words:
        return words[cleaned]
    raise CellError(_("Write 0 (this month), 1 (next month) or 2 (the month after)."))


def weekdays(value: str) -> str | None:
    cleaned = nfkc(value)
    if not cleaned:
        return None
    if cleaned in {"毎日", "全日"}:
        return "0123456"
    days = set()
    for ch in cleaned:
        if ch in WEEKDAY_LETTERS:
            days.add(WEEKDAY_LETTERS.index(ch))
        elif ch not in " ,、・/":
            raise CellError(_("Write the weekdays like 月水金."))
    return "".join(str(d) for d in sorted(days))


def registration_number(value: str) -> str:
    # The check digit is checked with the row (CustomerKind.check_row): an individual's number
    # (the 個人事業者 column) has none.
    return validate_registration_number(value, is_corporation=False)


_INDIVIDUAL_WORDS = {"個人", "個人事業者", "個人事業主", "はい", "○", "1", "yes", "true"}
_CORPORATE_WORDS = {"法人", "いいえ", "0", "no", "false"}


def individual(value: str) -> bool:
    """The 個人事業者 column: 個人 (or はい, 1) for an individual's number, empty for a company."""
    cleaned = nfkc(value).lower()
    if not cleaned or cleaned in _CORPORATE_WORDS:
        return False
    if cleaned in _INDIVIDUAL_WORDS:
        return True
    raise CellError(_("Write 個人 for the number of an individual, or leave the cell empty."))


# The words of the ステータス column (GLOSSARY.md), as the export writes them.
STATUS_WORDS: dict[str, str] = {
    OrderStatus.PENDING_APPROVAL: "承認待ち",
    OrderStatus.SUBMITTED: "受付待ち",
    OrderStatus.ACCEPTED: "受注確定",
    OrderStatus.SHIPPED: "出荷済",
    OrderStatus.DELIVERED: "納品済",
    OrderStatus.CANCELLED: "キャンセル",
}
# An import records orders the supplier has received: waiting for the buyer's approval is not one.
_IMPORTED_STATUSES = [
    OrderStatus.SUBMITTED,
    OrderStatus.ACCEPTED,
    OrderStatus.SHIPPED,
    OrderStatus.DELIVERED,
    OrderStatus.CANCELLED,
]
_STATUS_LOOKUP = {
    **{STATUS_WORDS[status]: status for status in _IMPORTED_STATUSES},
    **{str(status): status for status in _IMPORTED_STATUSES},
    "出荷済み": OrderStatus.SHIPPED,
    "納品済み": OrderStatus.DELIVERED,
    "受付": OrderStatus.SUBMITTED,
    "取消": OrderStatus.CANCELLED,
}
_CHANNEL_LOOKUP = {
    **{str(channel): channel for channel in Channel},
    "ウェブ": Channel.WEB,
    "電話": Channel.PHONE,
    "ファックス": Channel.FAX,
    "ファクス": Channel.FAX,
    "e-mail": Channel.EMAIL,
    "mail": Channel.EMAIL,
    "メール": Channel.EMAIL,
    "ライン": Channel.LINE,
}


def order_status(value: str) -> str | None:
    cleaned = nfkc(value)
    if not cleaned:
        return None
    found = _STATUS_LOOKUP.get(cleaned) or _STATUS_LOOKUP.get(cleaned.lower())
    if found is None:
        words = ", ".join(STATUS_WORDS[status] for status in _IMPORTED_STATUSES)
        raise CellError(_("Write one of: %(choices)s.") % {"choices": words})
    return str(found)


def channel(value: str) -> str | None:
    cleaned = nfkc(value).lower()
    if not cleaned:
        return None
    found = _CHANNEL_LOOKUP.get(cleaned)
    if found is None:
        words = ", ".join(str(choice) for choice in Channel)
        raise CellError(_("Write one of: %(choices)s.") % {"choices": words})
    return str(found)


unit_price = s.decimal_number(places=2, bound=bounds.UNIT_PRICE)


@dataclass
class ImportKind:
    """What one kind of file holds: its name on the command line and the page, and its columns."""

    name: str
    label: str
    schema: Schema


@dataclass
class Kind(ImportKind):
    """Master data (products, customers): one row per record, upserted by its code."""

    model: type[models.Model]
    key_field: str

    def existing(self, supplier: Organization, keys: list[str]) -> dict[str, Any]:
        rows = self.model._default_manager.filter(
            supplier=supplier, **{f"{self.key_field}__in": keys}
        )
        return {getattr(row, self.key_field): row for row in rows}

    def new(self, supplier: Organization, values: dict[str, Any]) -> Any:
        return self.model(supplier=supplier, **{k: v for k, v in values.items() if v is not None})

    def after_save(self, supplier: Organization, created: list[Any], updated: list[Any]) -> None:
        """Work on the saved rows that a bulk insert cannot do itself."""

    def check_row(self, values: dict[str, Any], record: Any | None) -> list[tuple[str, str]]:
        """Problems between the cells of one row, as (column name, message)."""
        return []


class ProductKind(Kind):
    def new(self, supplier: Organization, values: dict[str, Any]) -> Product:
        product = super().new(supplier, values)
        product.search_text = product_search_text(product)
        return product


class CustomerKind(Kind):
    def check_row(self, values: dict[str, Any], record: Any | None) -> list[tuple[str, str]]:
        number = values.get("registration_number")
        if not number or passes_corporate_check(number):
            return []
        is_individual = values.get(
            "registration_is_individual",
            bool(record and record.registration_is_individual),
        )
        if is_individual:
            return []
        return [
            (
                "registration_number",
                _(
                    "This number does not pass the corporate number check. Please check each "
                    "digit. If it is the number of an individual, write 個人 in the 個人事業者 "
                    "column."
                ),
            )
        ]

    def after_save(self, supplier: Organization, created: list[Any], updated: list[Any]) -> None:
        # Each new customer gets its first delivery location: the customer's own address.
        Location.objects.bulk_create(
            Location(
                supplier=supplier,
                customer=customer,
                name=customer.name,
                postal_code=customer.postal_code,
                address=customer.address,
                phone=customer.phone,
                is_default=True,
            )
            for customer in created
        )


PRODUCTS = ProductKind(
    name="products",
    label="商品",
    model=Product,
    key_field="product_code",
    schema=Schema(
        key=Column("商品コード", "product_code", s.code(40), required=True),
        columns=[
            Column("商品名", "name", s.text(200), required_for_new=True),
            Column("商品名カナ", "name_kana", s.text(200), aliases=("kana",)),
            Column(
                "JANコード", "jan_code", s.validated(s.code(13), validate_jan), aliases=("jan",)
            ),
            Column("単位", "unit", s.text(20)),
            Column("入数", "units_per_case", s.whole_number(bounds.UNITS_PER_CASE)),
            Column(
                "単価",
                "unit_price",
                unit_price,
                required_for_new=True,
                aliases=("price",),
            ),
            Column("税率", "tax_rate", tax_rate, required_for_new=True),
            Column("最小注文数", "min_quantity", s.whole_number(bounds.QUANTITY)),
            Column("発注単位", "order_multiple", s.whole_number(bounds.QUANTITY)),
            Column("カテゴリ", "category", s.text(100), aliases=("カテゴリー",)),
        ],
    ),
)

CUSTOMERS = CustomerKind(
    name="customers",
    label="得意先",
    model=Customer,
    key_field="customer_code",
    schema=Schema(
        key=Column("得意先コード", "customer_code", s.code(40), required=True),
        columns=[
            Column("得意先名", "name", s.text(200), required_for_new=True),
            Column("得意先名カナ", "name_kana", s.text(200)),
            Column("郵便番号", "postal_code", s.code(8)),
            Column("住所", "address", s.text(300)),
            Column("電話番号", "phone", s.code(20)),
            Column("FAX番号", "fax", s.code(20), aliases=("FAX",)),
            Column("メールアドレス", "email", s.email, aliases=("メール",)),
            Column("締日", "closing_day", closing_day),
            Column("支払月", "payment_month_offset", payment_month),
            Column("支払日", "payment_day", closing_day),
            Column("登録番号", "registration_number", s.validated(s.code(14), registration_number)),
            Column(
                "個人事業者",
                "registration_is_individual",
                individual,
                aliases=("registration_is_individual",),
            ),
            Column("納品曜日", "delivery_weekdays", weekdays),
            Column("請求方法", "billing_method", billing_method),
        ],
    ),
)

ORDERS = ImportKind(
    name="orders",
    label="受注",
    # One row per order line (CONTRACT.md); csv/order_import.py groups the rows into orders.
    schema=Schema(
        key=Column("受注番号", "order_number", s.code(20)),
        columns=[
            Column("得意先コード", "customer_code", s.code(40), required=True),
            Column("受注日", "ordered_on", s.calendar_date, required=True),
            Column("納品希望日", "requested_delivery_date", s.calendar_date, required=True),
            Column("納品日", "delivered_on", s.calendar_date, aliases=("delivery_date",)),
            Column("ステータス", "status", order_status, required=True),
            Column("受注経路", "channel", channel),
            Column("商品コード", "product_code", s.code(40), required=True),
            Column("数量", "quantity", s.whole_number(bounds.QUANTITY), required=True),
            Column("単価", "unit_price", unit_price, aliases=("price",)),
            Column("備考", "note", s.text(200)),
        ],
        ignored=(
            "得意先名",
            "customer_name",
            "商品名",
            "product_name",
            "単位",
            "unit",
            "金額",
            "amount",
            "税率",
            "tax_rate",
        ),
    ),
)

KINDS: dict[str, ImportKind] = {kind.name: kind for kind in (PRODUCTS, CUSTOMERS, ORDERS)}

NON_NULL_DEFAULTS: dict[str, Any] = {
    "unit": "個",
    "min_quantity": 1,
    "order_multiple": 1,
    "closing_day": MONTH_END,
    "billing_method": "closing",
    "payment_month_offset": 1,
    "payment_day": MONTH_END,
    "delivery_weekdays": "0123456",
    "tax_rate": TaxRate.STANDARD,
    "unit_price": Decimal(0),
}
