"""Lists out as CSV in exactly the import's columns, so that an export imports back unchanged."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from typing import Any

from tsunagu.core.spreadsheet import quote_formula
from tsunagu.customers.models import MONTH_END, WEEKDAY_LETTERS
from tsunagu.integrations.csv.kinds import KINDS


class _Echo:
    def write(self, value: str) -> str:
        return value


def _cell(name: str, value: Any) -> str:
    if value is None:
        return ""
    if name in {"closing_day", "payment_day"}:
        return "末" if value == MONTH_END else str(value)
    if name == "billing_method":
        return "都度" if value == "per_order" else "締め"
    if name == "delivery_weekdays":
        return "".join(WEEKDAY_LETTERS[int(d)] for d in value)
    if name == "registration_is_individual":
        return "個人" if value else ""
    if name == "unit_price":
        return format(value.normalize(), "f") if value == value.to_integral_value() else str(value)
    return str(value)


def rows(kind_name: str, records: Iterable[Any]) -> Iterator[str]:
    """CSV lines (header first), UTF-8 with BOM so Excel opens them as they are."""
    kind = KINDS[kind_name]
    columns = kind.schema.all_columns
    writer = csv.writer(_Echo(), lineterminator="\r\n")
    yield "\ufeff" + writer.writerow([column.header for column in columns])
    for record in records:
        yield writer.writerow(
            [quote_formula(_cell(c.name, getattr(record, c.name))) for c in columns]
        )
