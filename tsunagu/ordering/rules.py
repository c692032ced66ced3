"""What a buyer may order: checks shared by the cart, the confirmation page and the server's
final check when the order is sent. Each problem is a sentence for the person ordering."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from tsunagu.calendar.engine import available_delivery_dates, cutoff_for, local_now
from tsunagu.calendar.selectors import rules_for
from tsunagu.catalog.models import CustomerPrice, Product
from tsunagu.catalog.pricing import Price, price_for
from tsunagu.core.money import round_money
from tsunagu.core.text import normalize_number_text
from tsunagu.customers.models import Customer
from tsunagu.ordering.models import OrderUnit

# The most of one product one order line may ask for, in pieces, when the supplier set no limit
# of its own on the product (Product.max_quantity). A wrong tap, not a real order, above it.
DEFAULT_MAX_PIECES = 9_999
# Typed numbers longer than this are refused before anything else: they fit no column.
MAX_QUANTITY_DIGITS = 7


def parse_quantity(raw: str) -> int | None:
    """A typed quantity ('１０', '1,200') as a whole number; None when it is not one, or is too
    long to be a quantity at all (the caller says so next to the field)."""
    text = normalize_number_text(raw or "")
    if not text.isascii() or not text.isdigit() or len(text.lstrip("0")) > MAX_QUANTITY_DIGITS:
        return None
    return int(text)


def max_pieces(product: Product, customer: Customer) -> int:
    """The product's own limit, else the supplier's default for its products, else ours."""
    return (
        product.max_quantity
        or getattr(customer.supplier, "max_order_quantity", None)
        or DEFAULT_MAX_PIECES
    )


def allowed_units(product: Product) -> list[str]:
    """The units this product may be ordered in, the piece first."""
    units: list[str] = []
    if product.sold_by_piece:
        units.append(OrderUnit.PIECE.value)
    if product.sold_by_case and product.units_per_case:
        units.append(OrderUnit.CASE.value)
    return units or [OrderUnit.PIECE.value]


def default_unit(product: Product) -> str:
    """The piece when it may be ordered by the piece, else the case (a case-only product)."""
    return allowed_units(product)[0]


def pieces_of(product: Product, quantity: int, unit: str) -> int:
    if unit == OrderUnit.CASE and product.units_per_case:
        return quantity * product.units_per_case
    return quantity


def too_many(product: Product, quantity: int, unit: str, customer: Customer) -> str | None:
    """The sentence refusing a quantity above the product's upper limit, or None."""
    limit = max_pieces(product, customer)
    if pieces_of(product, quantity, unit) <= limit:
        return None
    return _("At most %(max)s %(unit)s per order. Check the number, or call the supplier.") % {
        "max": f"{limit:,}",
        "unit": product.unit,
    }


def unreadable_quantity_problem(
    product: Product, raw: str, unit: str, customer: Customer
) -> str | None:
    """For a typed quantity parse_quantity could not read: the upper limit's sentence when it is
    all digits (too long to be a quantity at all), else None (it is not a number)."""
    if normalize_number_text(raw or "").isdigit():
        return too_many(product, 10**9, unit, customer)
    return None


@dataclass
class LineRequest:
    product: Product
    quantity: int
    order_unit: str = OrderUnit.PIECE
    note: str = ""


@dataclass
class CheckedLine:
    request: LineRequest
    price: Price | None
    amount: Decimal
    problems: list[str] = field(default_factory=list)

    @property
    def pieces(self) -> int:
        return pieces_of(self.request.product, self.request.quantity, self.request.order_unit)


def line_problems(customer: Customer, request: LineRequest) -> list[str]:
    product = request.product
    problems = []
    if not product.is_active:
        problems.append(_("This product is no longer sold."))
        return problems
    if product.visibility == Product.Visibility.SELECTED and not any(
        c.pk == customer.pk for c in product.visible_to.all()
    ):
        problems.append(_("This product is no longer offered to you."))
        return problems
    quantity = request.quantity
    if quantity < 1:
        problems.append(_("Enter a quantity of 1 or more."))
        return problems
    if request.order_unit == OrderUnit.CASE and not (
        product.sold_by_case and product.units_per_case
    ):
        problems.append(_("This product is not sold by the case."))
        return problems
    if request.order_unit == OrderUnit.PIECE and not product.sold_by_piece:
        problems.append(_("This product is sold by the case only."))
        return problems
    pieces = pieces_of(product, quantity, request.order_unit)
    problem = too_many(product, quantity, request.order_unit, customer)
    if problem:
        problems.append(problem)
        return problems
    if pieces < product.min_quantity:
        problems.append(min_quantity_problem(product))
    if (
        request.order_unit == OrderUnit.PIECE
        and product.order_multiple > 1
        and quantity % product.order_multiple
    ):
        problems.append(order_multiple_problem(product))
    if product.stock is not None and pieces > product.stock:
        problems.append(stock_problem(product))
    return problems


# The sentences of the rules above, the same wherever a rule is told (a proxy entry names the
# ones it sets aside by them).
def min_quantity_problem(product: Product) -> str:
    return _("At least %(min)s %(unit)s per order.") % {
        "min": product.min_quantity,
        "unit": product.unit,
    }


def order_multiple_problem(product: Product) -> str:
    return _("Order in steps of %(step)s %(unit)s (%(step)s, %(double)s, …).") % {
        "step": product.order_multiple,
        "unit": product.unit,
        "double": product.order_multiple * 2,
    }


def stock_problem(product: Product) -> str:
    return _("Only %(stock)s %(unit)s in stock.") % {
        "stock": product.stock.normalize() if product.stock is not None else "",
        "unit": product.unit,
    }


def minimum_order_problem(
    customer: Customer, subtotal: Decimal, *, amounts: bool = True
) -> str | None:
    """The sentence for an order below the customer's minimum order amount, or None; without
    `amounts` it names none (for a customer who is not shown prices)."""
    if not customer.minimum_order_amount or subtotal >= customer.minimum_order_amount:
        return None
    if not amounts:
        return _("This order is below the minimum order amount. Add more items.")
    return _("The minimum order is ¥%(min)s (tax excluded); this order is ¥%(total)s.") % {
        "min": f"{customer.minimum_order_amount:,}",
        "total": f"{subtotal:,}",
    }


def check_lines(customer: Customer, requests: list[LineRequest]) -> list[CheckedLine]:
    """Price and check every line with a fixed number of queries."""
    fresh = {
        p.pk: p
        for p in Product.objects.filter(pk__in=[r.product.pk for r in requests]).prefetch_related(
            "visible_to"
        )
    }
    for request in requests:
        # The product as it is now, not as it was when it went into the cart.
        request.product = fresh.get(request.product.pk, request.product)
    own_prices = {
        p.product_id: p
        for p in CustomerPrice.objects.filter(customer=customer, product__in=list(fresh))
    }
    rounding = customer.supplier.rounding
    checked = []
    for request in requests:
        problems = line_problems(customer, request)
        price = (
            price_for(request.product, customer, customer_price=own_prices.get(request.product.pk))
            if request.product.is_active
            else None
        )
        line = CheckedLine(request, price, Decimal(0), problems)
        if price is not None:
            line.amount = round_money(price.unit_price * line.pieces, rounding)
        checked.append(line)
    return checked


@dataclass(frozen=True)
class DeliveryChoice:
    day: date
    cutoff: datetime | None


def delivery_choices(customer: Customer, *, now: datetime) -> list[DeliveryChoice]:
    rules = rules_for(customer.supplier)
    days = available_delivery_dates(rules, now=now, customer_weekdays=customer.weekday_set)
    return [DeliveryChoice(day, cutoff_for(rules, day)) for day in days]


def date_problem(customer: Customer, day: date | None, *, now: datetime) -> str | None:
    if day is None:
        return _("Choose a delivery date.")
    choices = delivery_choices(customer, now=now)
    if day not in {choice.day for choice in choices}:
        if day <= local_now(now).date():
            problem = _("This date has passed. Choose another delivery date.")
        else:
            problem = _(
                "Delivery on this date is not possible (closed, not your delivery day, or past "
                "the order cutoff). Choose another date."
            )
        later = [choice.day for choice in choices if choice.day > day] or [
            choice.day for choice in choices
        ]
        if later:
            problem = _("%(problem)s The next possible day is %(day)s.") % {
                "problem": problem,
                "day": date_format(later[0], "n/j (D)"),
            }
        return problem
    return None


def order_problems(
    customer: Customer,
    lines: list[LineRequest],
    delivery_date: date | None,
    *,
    now: datetime,
    no_lines: str,
) -> tuple[list[CheckedLine], dict[str, list[str]]]:
    """The lines checked and priced, and what is wrong with the order as the buyer's own rules
    see it, keyed by "order", "delivery_date" or a product code; `no_lines` says why an empty
    order is refused."""
    problems: dict[str, list[str]] = {}
    if not lines:
        problems["order"] = [no_lines]
    problem = date_problem(customer, delivery_date, now=now)
    if problem:
        problems["delivery_date"] = [problem]
    checked = check_lines(customer, lines)
    for line in checked:
        if line.problems:
            problems[line.request.product.product_code] = line.problems
    return checked, problems


# An order is unusual, and asks "are you sure?" before it is sent, when a line is this many times
# the organization's usual pieces of the product, or the subtotal this many times its usual one.
UNUSUAL_FACTOR = 10
# Without history: from this many pieces on one line, or this subtotal (yen, tax excluded).
UNUSUAL_PIECES_WITHOUT_HISTORY = 1_000
UNUSUAL_SUBTOTAL_WITHOUT_HISTORY = Decimal(1_000_000)


@dataclass(frozen=True)
class Unusual:
    """The lines (product id → usual pieces, 0 without history) and whether the subtotal is far
    above what this organization orders; `token` names exactly these quantities."""

    lines: dict[object, int]
    subtotal_usual: Decimal | None
    subtotal_unusual: bool
    token: str

    def __bool__(self) -> bool:
        return bool(self.lines) or self.subtotal_unusual


def unusual(
    checked: list[CheckedLine], *, usual_pieces: dict, usual_subtotal: Decimal | None
) -> Unusual:
    lines: dict[object, int] = {}
    for line in checked:
        product = line.request.product
        usual = usual_pieces.get(product.pk)
        limit = usual * UNUSUAL_FACTOR if usual else UNUSUAL_PIECES_WITHOUT_HISTORY
        if line.pieces >= limit and line.pieces > 0:
            lines[product.pk] = usual or 0
    subtotal = sum((line.amount for line in checked), Decimal(0))
    subtotal_limit = (
        usual_subtotal * UNUSUAL_FACTOR if usual_subtotal else UNUSUAL_SUBTOTAL_WITHOUT_HISTORY
    )
    subtotal_unusual = subtotal >= subtotal_limit
    token = ""
    if lines or subtotal_unusual:
        # Lines left at 0 are not sent, so the page's token and the send's are the same.
        named = sorted(
            f"{line.request.product.pk}:{line.request.order_unit}:{line.request.quantity}"
            for line in checked
            if line.request.quantity > 0
        )
        token = hashlib.sha256(f"{subtotal}|{'|'.join(named)}".encode()).hexdigest()[:32]
    return Unusual(lines, usual_subtotal, subtotal_unusual, token)
