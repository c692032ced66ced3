"""Orders from a CSV file (CONTRACT.md, `import_csv orders`): one row per order line.

Rows with the same 受注番号 make one order; rows without a number make one order per 得意先コード +
受注日 + 納品希望日. The file records what already happened, so only the data is checked (known
customer and product, real dates, numbers, 納品日 for 納品済), never the buyer-side rules. All or
nothing, like every import: one bad row and nothing is recorded.

An order already recorded is never changed. A numbered order that is already there with the same
contents counts as "updated" and is left as it is; with other contents it is a bad row. An order
without a number is known by its contents (customer, dates, status, channel and lines, kept as
the order's idempotency key), so importing the same file twice records it once.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from tsunagu.accounts.models import Organization, User
from tsunagu.audit import services as audit
from tsunagu.catalog.models import Product
from tsunagu.core import bounds
from tsunagu.customers.models import Customer, Location
from tsunagu.integrations.csv.encoding import UnreadableFileError, decode, read_cells
from tsunagu.integrations.csv.kinds import STATUS_WORDS, ImportKind
from tsunagu.integrations.csv.results import Checked, CheckedRow, Progress, Result, RowError
from tsunagu.integrations.csv.schema import CellError
from tsunagu.ordering import recording
from tsunagu.ordering.models import Channel, OrderStatus
from tsunagu.ordering.recording import PastLine, PastOrder

DEFAULT_CHANNEL = str(Channel.PHONE)
# What every row of one order must agree on.
ORDER_FIELDS = (
    "customer_code",
    "ordered_on",
    "requested_delivery_date",
    "delivered_on",
    "status",
    "channel",
)
# first_difference's names → the column that shows them.
_DIFFERENCE_COLUMN = {
    "customer": "customer_code",
    "ordered_on": "ordered_on",
    "requested_delivery_date": "requested_delivery_date",
    "delivered_on": "delivered_on",
    "status": "status",
    "channel": "channel",
    "product": "product_code",
    "quantity": "quantity",
    "unit_price": "unit_price",
    "note": "note",
}
_LOOKUP_BATCH = 500


@dataclass
class ParsedRow:
    line: int
    cells: list[str]
    values: dict[str, Any]
    errors: list[RowError] = field(default_factory=list)
    failed: set[str] = field(default_factory=set)


@dataclass
class OrdersChecked(Checked):
    """The rows checked, grouped into the orders to record; counts are orders, not rows."""

    new_orders: list[PastOrder] = field(default_factory=list)
    already_recorded: int = 0
    lines: int = 0

    @property
    def created(self) -> int:
        return len(self.new_orders)

    @property
    def updated(self) -> int:
        return self.already_recorded


def check(
    kind: ImportKind, supplier: Organization, data: bytes, *, progress: Progress | None = None
) -> OrdersChecked:
    """Read and check every row and group the rows into orders; change nothing."""
    try:
        text, encoding = decode(data)
    except UnreadableFileError as error:
        return OrdersChecked(kind=kind, headers=[], errors=[RowError(1, "", str(error))])
    headers, cells_of_rows = read_cells(text)
    checked = OrdersChecked(kind=kind, headers=headers, encoding=encoding)
    columns, problems = kind.schema.match_headers(headers)
    checked.errors.extend(RowError(1, "", problem) for problem in problems)
    if kind.schema.missing_required(columns):
        return checked
    header_of = {column.name: column.header for column in kind.schema.all_columns}
    header_of.update({column.name: headers[position] for position, column in columns.items()})

    raw_rows = list(cells_of_rows)
    rows: list[ParsedRow] = []
    for done, (line, cells) in enumerate(raw_rows, start=1):
        row = ParsedRow(line, cells, {})
        if len(cells) > len(headers):
            row.errors.append(RowError(line, "", _("This row has more cells than the header.")))
        for position, column in columns.items():
            raw = cells[position] if position < len(cells) else ""
            try:
                value = column.parse(raw)
            except CellError as error:
                row.errors.append(RowError(line, headers[position], str(error)))
                row.failed.add(column.name)
                continue
            if column.required and value in (None, ""):
                row.errors.append(RowError(line, headers[position], _("This cell is required.")))
                row.failed.add(column.name)
            row.values[column.name] = value
        row.values["channel"] = row.values.get("channel") or DEFAULT_CHANNEL
        rows.append(row)
        if progress and (done % 500 == 0 or done == len(raw_rows)):
            progress(done, len(raw_rows))

    customers, locations, products = _known(supplier, rows)
    for row in rows:
        _check_references(row, header_of, customers, locations, products)
    groups = _groups(rows)
    for group in groups:
        _check_agreement(group, header_of)
    candidates = [
        (group, _past_order(group, customers, locations, products))
        for group in groups
        if not any(row.errors for row in group)
    ]
    numbered = [past.number for _group, past in candidates if past.number]
    keys = [past.idempotency_key for _group, past in candidates if past.idempotency_key]
    by_number, taken_keys = recording.recorded_orders(supplier, numbers=numbered, keys=keys)
    for group, past in candidates:
        is_new = True
        if past.number in by_number:
            difference = recording.first_difference(by_number[past.number], past)
            if difference is not None:
                group[0].errors.append(
                    RowError(
                        group[0].line,
                        header_of["order_number"],
                        _already_recorded(past.number, difference, header_of),
                    )
                )
                continue
            is_new = False
        elif past.idempotency_key in taken_keys:
            is_new = False
        if is_new:
            checked.new_orders.append(past)
            checked.lines += len(past.lines)
        else:
            checked.already_recorded += 1
        checked.rows.extend(
            CheckedRow(row.line, past.number, row.values, row.cells, is_new) for row in group
        )

    position_of = {header: position for position, header in enumerate(headers)}
    row_errors = [error for row in rows for error in row.errors]
    row_errors.sort(key=lambda error: (error.line, position_of.get(error.column, -1)))
    checked.errors.extend(row_errors)
    checked.rows.sort(key=lambda row: row.line)
    return checked


def apply(
    checked: OrdersChecked, supplier: Organization, *, actor: User | None, actor_label: str = ""
) -> Result:
    """Record the new orders of a checked file: all of them, or (on any error) none."""
    if checked.errors:
        return Result(0, 0, checked.errors, applied=False)
    try:
        with transaction.atomic():
            recording.record_past_orders(
                supplier, checked.new_orders, actor=actor, actor_label=actor_label
            )
            audit.record(
                "import.orders",
                actor=actor,
                actor_email=actor_label,
                organization=supplier,
                target_label=_("CSV import of %(kind)s") % {"kind": checked.kind.label},
                changes={
                    "created": checked.created,
                    "updated": checked.updated,
                    "lines": checked.lines,
                },
            )
    except IntegrityError:
        # Another import or order took one of these numbers after the check.
        message = _(
            "Another order with one of these numbers was saved at the same moment: "
            "import the file again."
        )
        return Result(0, 0, [RowError(1, "", message)], applied=False)
    return Result(checked.created, checked.updated, [], applied=True)


# ---- steps of the check ---------------------------------------------------------------------


def _in_batches(values: Iterable[str]) -> Iterator[list[str]]:
    ordered = sorted(set(values))
    for start in range(0, len(ordered), _LOOKUP_BATCH):
        yield ordered[start : start + _LOOKUP_BATCH]


def _known(
    supplier: Organization, rows: list[ParsedRow]
) -> tuple[dict[str, Customer], dict[Any, Location], dict[str, Product]]:
    """The supplier's customers and products named in the file, and each customer's location
    for imported orders (its default one), in a few queries whatever the file's size."""
    customer_codes = [
        row.values["customer_code"] for row in rows if row.values.get("customer_code")
    ]
    product_codes = [row.values["product_code"] for row in rows if row.values.get("product_code")]
    customers: dict[str, Customer] = {}
    for batch in _in_batches(customer_codes):
        customers.update(
            (customer.customer_code, customer)
            for customer in Customer.objects.filter(
                supplier=supplier, customer_code__in=batch
            ).select_related("supplier", "price_group", "buyer")
        )
    locations: dict[Any, Location] = {}
    for batch in _in_batches(customers):
        for location in Location.objects.filter(
            supplier=supplier, customer__in=[customers[code].pk for code in batch]
        ).order_by("customer_id", "-is_default", "name"):
            locations.setdefault(location.customer_id, location)
    products: dict[str, Product] = {}
    for batch in _in_batches(product_codes):
        products.update(
            (product.product_code, product)
            for product in Product.objects.filter(supplier=supplier, product_code__in=batch)
        )
    return customers, locations, products


def _check_references(
    row: ParsedRow,
    header_of: dict[str, str],
    customers: dict[str, Customer],
    locations: dict[Any, Location],
    products: dict[str, Product],
) -> None:
    values = row.values
    code = values.get("customer_code")
    if code and "customer_code" not in row.failed:
        customer = customers.get(code)
        if customer is None:
            message = _("No customer has the code %(code)s.") % {"code": code}
        elif customer.pk not in locations:
            message = _(
                "The customer %(code)s has no delivery location: add one on the customer's "
                "page first."
            ) % {"code": code}
        else:
            message = ""
        if message:
            row.errors.append(RowError(row.line, header_of["customer_code"], message))
            row.failed.add("customer_code")
    code = values.get("product_code")
    if code and "product_code" not in row.failed and code not in products:
        row.errors.append(
            RowError(
                row.line,
                header_of["product_code"],
                _("No product has the code %(code)s.") % {"code": code},
            )
        )
        row.failed.add("product_code")
    quantity = values.get("quantity")
    if code in products and quantity and "quantity" not in row.failed:
        # The customer's price when no price is given: bounded by the same unit-price bound.
        price = values.get("unit_price")
        amount = quantity * (products[code].unit_price if price is None else price)
        if bounds.AMOUNT.problem(amount):
            row.errors.append(
                RowError(
                    row.line,
                    header_of["quantity"],
                    _(
                        "The amount of this line (%(amount)s yen) is more than %(maximum)s yen: "
                        "check the quantity and the price."
                    )
                    % {
                        "amount": bounds.number_text(amount.quantize(Decimal(1))),
                        "maximum": bounds.number_text(bounds.AMOUNT.maximum),
                    },
                )
            )
            row.failed.add("quantity")
    if (
        values.get("status") == OrderStatus.DELIVERED
        and values.get("delivered_on") is None
        and "delivered_on" not in row.failed
    ):
        row.errors.append(
            RowError(
                row.line,
                header_of["delivered_on"],
                _("Required when the status is %(status)s.")
                % {"status": STATUS_WORDS[OrderStatus.DELIVERED]},
            )
        )
        row.failed.add("delivered_on")


def _groups(rows: list[ParsedRow]) -> list[list[ParsedRow]]:
    """Rows of one order together, in the order the orders first appear in the file."""
    groups: dict[tuple[Any, ...], list[ParsedRow]] = {}
    for row in rows:
        values = row.values
        number = values.get("order_number") or ""
        if number:
            key: tuple[Any, ...] = ("number", number)
        else:
            parts = ("customer_code", "ordered_on", "requested_delivery_date")
            if any(name in row.failed or not values.get(name) for name in parts):
                # A row whose order cannot be told has its own errors already.
                key = ("line", row.line)
            else:
                key = ("same", *(values[name] for name in parts))
        groups.setdefault(key, []).append(row)
    return list(groups.values())


def _check_agreement(group: list[ParsedRow], header_of: dict[str, str]) -> None:
    first = group[0]
    for row in group[1:]:
        for name in ORDER_FIELDS:
            if name in row.failed or name in first.failed:
                continue
            if row.values.get(name) != first.values.get(name):
                row.errors.append(
                    RowError(
                        row.line,
                        header_of[name],
                        _("Differs from line %(line)s of the same order.") % {"line": first.line},
                    )
                )


def _past_order(
    group: list[ParsedRow],
    customers: dict[str, Customer],
    locations: dict[Any, Location],
    products: dict[str, Product],
) -> PastOrder:
    first = group[0].values
    customer = customers[first["customer_code"]]
    past = PastOrder(
        customer=customer,
        location=locations[customer.pk],
        status=first["status"],
        channel=first["channel"],
        ordered_on=first["ordered_on"],
        requested_delivery_date=first["requested_delivery_date"],
        delivered_on=first.get("delivered_on"),
        number=first.get("order_number") or "",
        lines=[
            PastLine(
                product=products[row.values["product_code"]],
                quantity=row.values["quantity"],
                unit_price=row.values.get("unit_price"),
                note=row.values.get("note") or "",
            )
            for row in group
        ],
    )
    if not past.number:
        past.idempotency_key = content_key(past)
    return past


def content_key(past: PastOrder) -> str:
    """An order without a number is known by everything the file says about it."""

    def day(value: date | None) -> str:
        return value.isoformat() if value else ""

    def price(value: Decimal | None) -> str:
        return "" if value is None else format(value.normalize(), "f")

    content = [
        past.customer.customer_code,
        day(past.ordered_on),
        day(past.requested_delivery_date),
        day(past.delivered_on),
        past.status,
        past.channel,
        [
            [line.product.product_code, line.quantity, price(line.unit_price), line.note]
            for line in past.lines
        ],
    ]
    digest = hashlib.sha256(json.dumps(content, ensure_ascii=False).encode()).hexdigest()
    return f"csv:{digest[:60]}"


def _already_recorded(number: str, difference: str, header_of: dict[str, str]) -> str:
    if difference == "lines":
        what = _("number of lines")
    else:
        what = header_of[_DIFFERENCE_COLUMN[difference]]
    return _(
        "The order %(number)s is already recorded with another %(column)s. An import never "
        "changes a recorded order: give this one another number, or leave the number blank."
    ) % {"number": number, "column": what}
