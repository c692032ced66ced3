"""Orders out as CSV (CONTRACT.md, `export_csv orders`), one row per order line, streamed.

The default layout has exactly the import's columns plus the names, unit, amount and tax rate
people want to read (the import reads and ignores those), so a default export imports back
unchanged. A supplier's ExportProfile picks, orders and renames these columns, adds fixed ones,
and chooses the date format and the encoding.

Rows are read with `.iterator()` and encoded one at a time: memory stays the same whatever the
number of orders. CP932 cannot hold every character (𠮷, emoji…): each one is reported by line and
column, or replaced by 〓 when asked.
"""

from __future__ import annotations

import csv
import functools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from tsunagu.accounts.models import Organization
from tsunagu.core.spreadsheet import quote_formula
from tsunagu.integrations.csv.kinds import STATUS_WORDS
from tsunagu.ordering.models import ExportProfile, OrderLine, OrderStatus, OrderUnit

FIXED = "fixed"
DEFAULT_DATE_FORMAT = "%Y-%m-%d"
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d")
ENCODINGS = tuple(str(choice) for choice in ExportProfile.Encoding)
REPLACEMENT = "〓"
CHUNK_SIZE = 2000
# Each lost character is kept for the report up to this many; beyond it they are only counted,
# so that memory stays bounded even when every row has one.
PROBLEMS_KEPT = 10_000
# Characters a JIS text writes with one code but Unicode spells two ways: turned into the form
# CP932 has before encoding, so they are not "lost".
_CP932_FORMS = str.maketrans({"\u2014": "\u2015"})


def _price(value: Decimal) -> str:
    """12.50 → 12.5, 100.00 → 100: no trailing zeros."""
    return format(value.normalize(), "f")


@functools.lru_cache(maxsize=4096)
def _day(value: date | None, date_format: str) -> str:
    """Cached: an export's lines share a few hundred dates."""
    return value.strftime(date_format) if value is not None else ""


@dataclass(frozen=True)
class Source:
    key: str
    header: str
    value: Callable[[tuple[Any, ...], str], str]


# An exported line is read as one tuple of these fields (no model objects: an export of a
# million lines builds a million tuples, not three million model instances).
ROW_FIELDS = (
    "order__number",
    "order__customer__customer_code",
    "order__customer__name",
    "order__ordered_at",
    "order__requested_delivery_date",
    "order__delivery_date",
    "order__status",
    "order__channel",
    "product_code",
    "product_name",
    "quantity",
    "confirmed_quantity",
    "order_unit",
    "units_per_case",
    "unit_label",
    "unit_price",
    "amount",
    "tax_rate",
    "note",
)
(
    _NUMBER,
    _CUSTOMER_CODE,
    _CUSTOMER_NAME,
    _ORDERED_AT,
    _REQUESTED,
    _DELIVERED,
    _STATUS,
    _CHANNEL,
    _PRODUCT_CODE,
    _PRODUCT_NAME,
    _QUANTITY,
    _CONFIRMED,
    _ORDER_UNIT,
    _UNITS_PER_CASE,
    _UNIT_LABEL,
    _UNIT_PRICE,
    _AMOUNT,
    _TAX_RATE,
    _NOTE,
) = range(len(ROW_FIELDS))


def row_of(line: OrderLine) -> tuple[Any, ...]:
    """The tuple of ROW_FIELDS for a line already loaded (with its order and customer)."""
    order = line.order
    return (
        order.number,
        order.customer.customer_code,
        order.customer.name,
        order.ordered_at,
        order.requested_delivery_date,
        order.delivery_date,
        order.status,
        order.channel,
        line.product_code,
        line.product_name,
        line.quantity,
        line.confirmed_quantity,
        line.order_unit,
        line.units_per_case,
        line.unit_label,
        line.unit_price,
        line.amount,
        line.tax_rate,
        line.note,
    )


def _pieces(row: tuple[Any, ...]) -> int:
    """ordering.recording.line_pieces on a row: the confirmed quantity after a shortage, in
    pieces."""
    quantity = row[_CONFIRMED] if row[_CONFIRMED] is not None else row[_QUANTITY]
    if row[_ORDER_UNIT] == OrderUnit.CASE and row[_UNITS_PER_CASE]:
        return int(quantity * row[_UNITS_PER_CASE])
    return int(quantity)


_ZONE = timezone.get_default_timezone()


def _ordered_on(row: tuple[Any, ...]) -> date:
    """ordering.recording.ordered_on on a row: the day of ordered_at in the site's zone."""
    at: datetime = row[_ORDERED_AT]
    if timezone.is_naive(at):
        at = timezone.make_aware(at, UTC)
    return at.astimezone(_ZONE).date()


def _field(index: int) -> Callable[[tuple[Any, ...], str], str]:
    return lambda row, _fmt: str(row[index])


def _sources() -> dict[str, Source]:
    return {
        source.key: source
        for source in (
            Source("order_number", "受注番号", _field(_NUMBER)),
            Source("customer_code", "得意先コード", _field(_CUSTOMER_CODE)),
            Source("customer_name", "得意先名", _field(_CUSTOMER_NAME)),
            Source("ordered_on", "受注日", lambda row, fmt: _day(_ordered_on(row), fmt)),
            Source("requested_delivery_date", "納品希望日", lambda r, f: _day(r[_REQUESTED], f)),
            Source("delivered_on", "納品日", lambda row, fmt: _day(row[_DELIVERED], fmt)),
            Source("status", "ステータス", lambda row, _fmt: STATUS_WORDS[row[_STATUS]]),
            Source("channel", "受注経路", _field(_CHANNEL)),
            Source("product_code", "商品コード", _field(_PRODUCT_CODE)),
            Source("product_name", "商品名", _field(_PRODUCT_NAME)),
            Source("quantity", "数量", lambda row, _fmt: str(_pieces(row))),
            Source("unit", "単位", _field(_UNIT_LABEL)),
            Source("unit_price", "単価", lambda row, _fmt: _price(row[_UNIT_PRICE])),
            Source("amount", "金額", lambda row, _fmt: str(int(row[_AMOUNT]))),
            Source("tax_rate", "税率", _field(_TAX_RATE)),
            Source("note", "備考", _field(_NOTE)),
        )
    }


# The default profile's columns, in the contract's order.
SOURCES = _sources()


@dataclass(frozen=True)
class OutputColumn:
    header: str
    source: str
    value: str = ""

    def as_dict(self) -> dict[str, str]:
        data = {"source": self.source, "header": self.header}
        if self.source == FIXED:
            data["value"] = self.value
        return data


@dataclass(frozen=True)
class Layout:
    columns: tuple[OutputColumn, ...]
    date_format: str = DEFAULT_DATE_FORMAT
    encoding: str = "cp932"
    name: str = ""

    @property
    def headers(self) -> list[str]:
        return [column.header for column in self.columns]


class LayoutError(ValueError):
    pass


def default_columns() -> tuple[OutputColumn, ...]:
    return tuple(OutputColumn(source.header, source.key) for source in SOURCES.values())


def default_layout(*, encoding: str = "cp932") -> Layout:
    return Layout(default_columns(), DEFAULT_DATE_FORMAT, encoding)


def columns_from_data(data: Any) -> tuple[OutputColumn, ...]:
    """Columns stored in a profile ({"source", "header", "value"}); LayoutError when wrong."""
    if not isinstance(data, list) or not data:
        raise LayoutError("a profile needs a list of one or more columns")
    columns = []
    for item in data:
        if not isinstance(item, dict):
            raise LayoutError(f"a column is an object, not {item!r}")
        source, header = item.get("source"), item.get("header")
        if source != FIXED and source not in SOURCES:
            raise LayoutError(f"unknown column source {source!r}")
        if not isinstance(header, str) or not header.strip():
            raise LayoutError(f"the column {source!r} has no header")
        value = item.get("value", "") if source == FIXED else ""
        if not isinstance(value, str):
            raise LayoutError(f"the fixed column {header!r} needs a text value")
        columns.append(OutputColumn(header.strip(), str(source), value))
    return tuple(columns)


def layout_of(profile: ExportProfile, *, encoding: str | None = None) -> Layout:
    return Layout(
        columns_from_data(profile.columns),
        profile.date_format or DEFAULT_DATE_FORMAT,
        encoding or profile.encoding,
        profile.name,
    )


def lines_of(
    supplier: Organization, *, date_from: date | None = None, date_to: date | None = None
) -> QuerySet[OrderLine]:
    """The supplier's order lines by 受注日 (both ends included), in a fixed order: order date,
    order number, line position. Orders waiting for the buyer's approval are not received yet."""
    zone = timezone.get_default_timezone()
    lines = (
        OrderLine.objects.filter(supplier=supplier, order__supplier=supplier)
        .exclude(order__status=OrderStatus.PENDING_APPROVAL)
        .select_related("order", "order__customer")
        .order_by("order__ordered_at", "order__number", "position", "pk")
    )
    if date_from is not None:
        start = timezone.make_aware(datetime.combine(date_from, time.min), zone)
        lines = lines.filter(order__ordered_at__gte=start)
    if date_to is not None:
        end = timezone.make_aware(datetime.combine(date_to + timedelta(days=1), time.min), zone)
        lines = lines.filter(order__ordered_at__lt=end)
    return lines


@dataclass(frozen=True)
class Unencodable:
    line: int
    column: str
    character: str

    def as_text(self) -> str:
        code = f"U+{ord(self.character):04X}"
        return (
            f"行 {self.line}: {self.column}: 文字 '{self.character}' ({code}) はCP932で表せません"
        )


class _Echo:
    def write(self, value: str) -> str:
        return value


@dataclass
class Export:
    """One export run: `chunks()` yields the file's bytes lazily; afterwards `problems` holds the
    characters the encoding could not hold (each replaced by 〓; `lost` counts them all) and
    `rows` the rows written."""

    layout: Layout
    lines: Iterable[OrderLine]
    problems: list[Unencodable] = field(default_factory=list)
    lost: int = 0
    rows: int = 0

    def chunks(self, *, buffer_size: int = 16 * 1024) -> Iterator[bytes]:
        writer = csv.writer(_Echo(), lineterminator="\r\n")
        line_number = 1
        buffer: list[bytes] = []
        size = 0
        if self.layout.encoding == "utf-8-sig":
            buffer.append(b"\xef\xbb\xbf")
        for cells in self._cell_rows():
            encoded, physical_lines = self._encode(writer, cells, line_number)
            line_number += physical_lines
            buffer.append(encoded)
            size += len(encoded)
            if size >= buffer_size:
                yield b"".join(buffer)
                buffer, size = [], 0
        if buffer:
            yield b"".join(buffer)

    def _cell_rows(self) -> Iterator[list[str]]:
        # Every cell, headers and fixed values included: a profile's texts are typed by people.
        for cells in self._plain_rows():
            yield [quote_formula(cell) for cell in cells]

    def _plain_rows(self) -> Iterator[list[str]]:
        yield self.layout.headers
        date_format = self.layout.date_format
        columns = [(column, SOURCES.get(column.source)) for column in self.layout.columns]
        rows: Iterable[tuple[Any, ...]]
        if isinstance(self.lines, QuerySet):
            rows = self.lines.values_list(*ROW_FIELDS).iterator(chunk_size=CHUNK_SIZE)
        else:
            rows = (row_of(line) for line in self.lines)
        for row in rows:
            self.rows += 1
            yield [
                source.value(row, date_format) if source is not None else column.value
                for column, source in columns
            ]

    def _encode(self, writer: Any, cells: list[str], line_number: int) -> tuple[bytes, int]:
        encoding = self.layout.encoding.removesuffix("-sig")
        text: str = writer.writerow(cells)
        if encoding == "cp932":
            text = text.translate(_CP932_FORMS)
        try:
            return text.encode(encoding), text.count("\n")
        except UnicodeEncodeError:
            pass
        if encoding == "cp932":
            cells = [cell.translate(_CP932_FORMS) for cell in cells]
        fixed = []
        for header, cell in zip(self.layout.headers, cells, strict=True):
            kept = []
            for character in cell:
                try:
                    character.encode(encoding)
                except UnicodeEncodeError:
                    self.lost += 1
                    if len(self.problems) < PROBLEMS_KEPT:
                        self.problems.append(Unencodable(line_number, header, character))
                    character = REPLACEMENT
                kept.append(character)
            fixed.append("".join(kept))
        text = writer.writerow(fixed)
        return text.encode(encoding), text.count("\n")


def find_unencodable(
    layout: Layout, lines: Iterable[OrderLine], *, limit: int
) -> list[Unencodable]:
    """The first `limit` characters the layout's encoding cannot hold (a pass that writes
    nothing, for pages that must say so before streaming)."""
    if layout.encoding != "cp932":
        return []
    export = Export(layout, lines)
    for _chunk in export.chunks():
        if len(export.problems) >= limit:
            break
    return export.problems[:limit]
