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
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from tsunagu.accounts.models import Organization
from tsunagu.integrations.csv.kinds import STATUS_WORDS
from tsunagu.ordering.models import ExportProfile, OrderLine, OrderStatus
from tsunagu.ordering.recording import line_pieces, ordered_on

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


def _day(value: date | None, date_format: str) -> str:
    return value.strftime(date_format) if value is not None else ""


@dataclass(frozen=True)
class Source:
    key: str
    header: str
    value: Callable[[OrderLine, str], str]


def _sources() -> dict[str, Source]:
    def order(getter: Callable[[Any], Any]) -> Callable[[OrderLine, str], str]:
        return lambda line, _fmt: str(getter(line.order))

    return {
        source.key: source
        for source in (
            Source("order_number", "受注番号", order(lambda o: o.number)),
            Source("customer_code", "得意先コード", order(lambda o: o.customer.customer_code)),
            Source("customer_name", "得意先名", order(lambda o: o.customer.name)),
            Source("ordered_on", "受注日", lambda line, fmt: _day(ordered_on(line.order), fmt)),
            Source(
                "requested_delivery_date",
                "納品希望日",
                lambda line, fmt: _day(line.order.requested_delivery_date, fmt),
            ),
            Source("delivered_on", "納品日", lambda line, fmt: _day(line.order.delivery_date, fmt)),
            Source("status", "ステータス", order(lambda o: STATUS_WORDS[o.status])),
            Source("channel", "受注経路", order(lambda o: o.channel)),
            Source("product_code", "商品コード", lambda line, _fmt: line.product_code),
            Source("product_name", "商品名", lambda line, _fmt: line.product_name),
            Source("quantity", "数量", lambda line, _fmt: str(line_pieces(line))),
            Source("unit", "単位", lambda line, _fmt: line.unit_label),
            Source("unit_price", "単価", lambda line, _fmt: _price(line.unit_price)),
            Source("amount", "金額", lambda line, _fmt: str(int(line.amount))),
            Source("tax_rate", "税率", lambda line, _fmt: str(line.tax_rate)),
            Source("note", "備考", lambda line, _fmt: line.note),
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
        yield self.layout.headers
        date_format = self.layout.date_format
        columns = [(column, SOURCES.get(column.source)) for column in self.layout.columns]
        lines = self.lines
        if isinstance(lines, QuerySet):
            lines = lines.iterator(chunk_size=CHUNK_SIZE)
        for line in lines:
            self.rows += 1
            yield [
                source.value(line, date_format) if source is not None else column.value
                for column, source in columns
            ]

    def _encode(self, writer: Any, cells: list[str], line_number: int) -> tuple[bytes, int]:
        encoding = self.layout.encoding.removesuffix("-sig")
        if encoding == "cp932":
            cells = [cell.translate(_CP932_FORMS) for cell in cells]
        text: str = writer.writerow(cells)
        try:
            return text.encode(encoding), text.count("\n")
        except UnicodeEncodeError:
            pass
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
