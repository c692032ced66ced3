from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.db.models import (
    Count,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Window,
)
from django.db.models.functions import RowNumber

from tsunagu.accounts.models import Membership
from tsunagu.catalog.models import CustomerPrice, Product
from tsunagu.catalog.pricing import Price, price_for
from tsunagu.core.text import search_key
from tsunagu.customers.models import Customer
from tsunagu.ordering.models import (
    CartLine,
    Favourite,
    Order,
    OrderLine,
    OrderMessage,
    OrderStatus,
)
from tsunagu.ordering.rules import DeliveryChoice, delivery_choices


def visible_products(
    customer: Customer, *, query: str = "", category: str = ""
) -> QuerySet[Product]:
    """What this customer can order: active products shown to all or to it."""
    products = Product.objects.filter(supplier_id=customer.supplier_id, is_active=True).filter(
        Q(visibility=Product.Visibility.ALL) | Q(visible_to=customer)
    )
    for word in query.split():
        products = products.filter(search_text__contains=search_key(word))
    if category:
        products = products.filter(category=category)
    return products.distinct().order_by("category", "product_code")


def categories_of(customer: Customer) -> list[str]:
    return sorted({c for c in visible_products(customer).values_list("category", flat=True) if c})


def prices_for(customer: Customer, products: list[Product]) -> dict[object, Price]:
    """Prices of many products for one customer, in two queries."""
    own = {
        p.product_id: p
        for p in CustomerPrice.objects.filter(customer=customer, product__in=products)
    }
    return {p.pk: price_for(p, customer, customer_price=own.get(p.pk)) for p in products}


def favourite_ids(member: Membership, customer: Customer) -> set[UUID]:
    return set(
        Favourite.objects.filter(
            buyer=member.organization, supplier_id=customer.supplier_id
        ).values_list("product_id", flat=True)
    )


def cart_of(member: Membership, customer: Customer) -> QuerySet[CartLine]:
    return CartLine.objects.filter(user=member.user, customer=customer).select_related("product")


def cart_counts(member: Membership) -> dict[object, int]:
    rows = CartLine.objects.filter(user=member.user).values("customer_id").annotate(n=Count("id"))
    return {row["customer_id"]: row["n"] for row in rows}


@dataclass
class ItemText:
    name: str
    quantity: int
    unit: str


@dataclass
class OrderSummary:
    """An earlier order as the home shows it: what is in it (the first items), its total, and
    how many of the recent orders were much the same (1 for a one-off)."""

    order: Order
    items: list[ItemText]
    more_items: int
    total: Decimal
    times: int = 1
    product_ids: frozenset[UUID] = frozenset()


@dataclass
class AccountSummary:
    customer: Customer
    usual: list[OrderSummary]
    recent: list[OrderSummary]
    favourites: int
    cart_lines: int
    next_delivery: DeliveryChoice | None


# The home looks at this many of an organization's latest orders per supplier to find what it
# orders repeatedly; two orders are "the same order" when most of their products are the same.
HOME_LOOKBACK = 30
SAME_ORDER_SIMILARITY = 0.6
HOME_FIRST_ITEMS = 3


def _similar(a: frozenset[UUID], b: frozenset[UUID]) -> bool:
    return bool(a | b) and len(a & b) / len(a | b) >= SAME_ORDER_SIMILARITY


def _usual_and_recent(
    summaries: list[OrderSummary],
) -> tuple[list[OrderSummary], list[OrderSummary]]:
    """Groups of much the same order, newest first within each: those seen twice or more are
    the usual ones (most often first, the newest of each shown); the rest, newest first, are
    only recent."""
    groups: list[list[OrderSummary]] = []
    for summary in summaries:
        for group in groups:
            if _similar(group[0].product_ids, summary.product_ids):
                group.append(summary)
                break
        else:
            groups.append([summary])
    usual = []
    for group in sorted(
        (g for g in groups if len(g) > 1),
        key=lambda g: (-len(g), -g[0].order.ordered_at.timestamp()),
    ):
        group[0].times = len(group)
        usual.append(group[0])
    recent = [g[0] for g in groups if len(g) == 1]
    return usual[:3], recent[:2]


def home_accounts(
    member: Membership, accounts: list[Customer], *, now: datetime
) -> list[AccountSummary]:
    """For the buyer home: each supplier with its usual and recent orders (what is in each) and
    favourites, in a fixed number of queries."""
    from tsunagu.ordering.totals import totals_of

    by_customer: dict[object, list[Order]] = defaultdict(list)
    orders = (
        Order.objects.filter(buyer=member.organization, customer__in=accounts)
        .exclude(status=OrderStatus.CANCELLED)
        .select_related("location")
        .order_by("-ordered_at")[: HOME_LOOKBACK * max(len(accounts), 1)]
    )
    for order in orders:
        if len(by_customer[order.customer_id]) < HOME_LOOKBACK:
            by_customer[order.customer_id].append(order)
    wanted = [order.pk for orders_of in by_customer.values() for order in orders_of]
    lines: dict[UUID, list[tuple]] = defaultdict(list)
    for row in (
        OrderLine.objects.filter(order_id__in=wanted)
        .order_by("order_id", "position")
        .values_list(
            "order_id",
            "product_id",
            "product_name",
            "quantity",
            "order_unit",
            "unit_label",
            "amount",
            "tax_rate",
        )
    ):
        lines[row[0]].append(row)
    rounding = {c.pk: c.supplier.rounding for c in accounts}
    favourites = dict(
        Favourite.objects.filter(buyer=member.organization)
        .values("supplier_id")
        .annotate(n=Count("id"))
        .values_list("supplier_id", "n")
    )
    carts = cart_counts(member)
    summaries = []
    for customer in accounts:
        shown = []
        for order in by_customer.get(customer.pk, []):
            rows = lines.get(order.pk, [])
            shown.append(
                OrderSummary(
                    order=order,
                    items=[
                        ItemText(name, quantity, "case" if unit == "case" else label)
                        for _o, _p, name, quantity, unit, label, _a, _r in rows[:HOME_FIRST_ITEMS]
                    ],
                    more_items=max(len(rows) - HOME_FIRST_ITEMS, 0),
                    total=totals_of(
                        ((rate, amount) for *_rest, amount, rate in rows),
                        shipping_fee=order.shipping_fee,
                        rounding=rounding[customer.pk],
                    ).total,
                    product_ids=frozenset(row[1] for row in rows),
                )
            )
        usual, recent = _usual_and_recent(shown)
        choices = delivery_choices(customer, now=now)
        summaries.append(
            AccountSummary(
                customer=customer,
                usual=usual,
                recent=recent,
                favourites=favourites.get(customer.supplier_id, 0),
                cart_lines=carts.get(customer.pk, 0),
                next_delivery=choices[0] if choices else None,
            )
        )
    return summaries


def unread_orders(member: Membership) -> list[Order]:
    """The organization's orders with a supplier message nobody of the buyer has opened yet,
    newest message first, each with `unread` (how many)."""
    unread = OrderMessage.objects.filter(
        order=OuterRef("pk"), from_supplier=True, read_by_buyer_at__isnull=True
    )
    return list(
        Order.objects.filter(buyer=member.organization)
        .annotate(
            unread=Subquery(
                unread.order_by().annotate(n=Func("id", function="COUNT")).values("n")[:1],
                output_field=IntegerField(),
            ),
            last_message=Subquery(unread.order_by("-created_at").values("created_at")[:1]),
        )
        .filter(unread__gt=0)
        .select_related("supplier")
        .order_by("-last_message")[:10]
    )


def waiting_for_approval(member: Membership) -> list[Order]:
    """For an administrator: the organization's orders waiting for approval, oldest first."""
    if not member.is_admin:
        return []
    return list(
        Order.objects.filter(buyer=member.organization, status=OrderStatus.PENDING_APPROVAL)
        .select_related("supplier", "placed_by", "location")
        .order_by("ordered_at")
    )


def _line_count() -> Subquery:
    """The number of lines of each order, as a subquery: computed for the rows a page shows,
    where Count("lines") would group every order of the tenant with its lines first."""
    return Subquery(
        OrderLine.objects.filter(order=OuterRef("pk"))
        .order_by()
        .annotate(n=Func("id", function="COUNT"))
        .values("n")[:1],
        output_field=IntegerField(),
    )


def last_quantities(member: Membership, customer: Customer) -> dict[UUID, tuple[int, str]]:
    """For each product, the quantity and unit of the organization's last order line for it."""
    from tsunagu.ordering.models import OrderLine

    lines = (
        OrderLine.objects.filter(order__buyer=member.organization, order__customer=customer)
        .exclude(order__status=OrderStatus.CANCELLED)
        .order_by("product_id", "-order__ordered_at")
        .values_list("product_id", "quantity", "order_unit")
    )
    last: dict[UUID, tuple[int, str]] = {}
    for product_id, quantity, unit in lines:
        last.setdefault(product_id, (quantity, unit))
    return last


def inbox_orders(
    supplier_id: UUID,
    *,
    status: str = "",
    channel: str = "",
    delivery_date: object = None,
    query: str = "",
    unanswered: bool = False,
) -> QuerySet[Order]:
    """The supplier's orders for the inbox: newest first, filtered; approval-pending never shown.
    `unanswered`: only orders whose last message is the customer's."""
    orders = (
        Order.objects.filter(supplier_id=supplier_id)
        .exclude(status=OrderStatus.PENDING_APPROVAL)
        .select_related("customer", "location")
        .annotate(line_count=_line_count())
    )
    if status:
        orders = orders.filter(status=status)
    if channel:
        orders = orders.filter(channel=channel)
    if delivery_date:
        orders = orders.filter(
            Q(delivery_date=delivery_date)
            | Q(delivery_date__isnull=True, requested_delivery_date=delivery_date)
        )
    if unanswered:
        orders = orders.filter(pk__in=unanswered_orders(supplier_id))
    for word in query.split():
        key = search_key(word)
        orders = orders.filter(
            Q(number__icontains=word)
            | Q(customer__customer_code__icontains=word)
            | Q(customer__name__icontains=word)
            | Q(customer__name_kana__icontains=key)
        )
    return orders.order_by("-ordered_at")


def status_counts(supplier_id: UUID) -> dict[str, int]:
    rows = (
        Order.objects.filter(supplier_id=supplier_id)
        .exclude(status=OrderStatus.PENDING_APPROVAL)
        .values("status")
        # COUNT(*), not COUNT(id): the (supplier, status, ordered_at) index answers it alone.
        .annotate(n=Count("*"))
        .order_by()
    )
    return {row["status"]: row["n"] for row in rows}


def unanswered_orders(supplier_id: UUID) -> QuerySet[Any, Any]:
    """The supplier's orders whose last message came from the customer: waiting for a reply.
    Orders waiting for the buyer's approval are not the supplier's yet (not in its inbox)."""
    last_from_supplier = Subquery(
        OrderMessage.objects.filter(order=OuterRef("pk"))
        .order_by("-created_at")
        .values("from_supplier")[:1]
    )
    return (
        Order.objects.filter(supplier_id=supplier_id, messages__isnull=False)
        .exclude(status=OrderStatus.PENDING_APPROVAL)
        .annotate(last_from_supplier=last_from_supplier)
        .filter(last_from_supplier=False)
        .values("pk")
        .distinct()
    )


@dataclass(frozen=True)
class TodaysWork:
    """What a supplier's people have to do today, each counted for the home page."""

    new_orders: int
    to_ship: int
    unanswered: int


def todays_work(supplier_id: UUID, *, today: date) -> TodaysWork:
    """New orders to accept, accepted orders going out today, and customers' messages waiting
    for a reply: a few counting queries, whatever the number of orders."""
    to_ship = (
        Order.objects.filter(supplier_id=supplier_id, status=OrderStatus.ACCEPTED)
        .filter(
            Q(delivery_date=today) | Q(delivery_date__isnull=True, requested_delivery_date=today)
        )
        .count()
    )
    return TodaysWork(
        new_orders=Order.objects.filter(
            supplier_id=supplier_id, status=OrderStatus.SUBMITTED
        ).count(),
        to_ship=to_ship,
        unanswered=unanswered_orders(supplier_id).count(),
    )


# How many of the organization's latest orders "usual" looks at.
USUAL_LOOKBACK = 10


@dataclass(frozen=True)
class UsualAmounts:
    """What the organization usually orders from one supplier: per product the median pieces of
    its last lines, and the median subtotal of its last orders (None without history)."""

    pieces: dict[UUID, int]
    subtotal: Decimal | None


def _median(values: list[Decimal]) -> Decimal:
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def usual_amounts(member: Membership, customer: Customer, product_ids: list[UUID]) -> UsualAmounts:
    """In two queries, whatever the number of products."""
    orders = Order.objects.filter(buyer=member.organization, customer=customer).exclude(
        status=OrderStatus.CANCELLED
    )
    latest = orders.order_by("-ordered_at").values_list("subtotal", flat=True)
    subtotals = list(latest[:USUAL_LOOKBACK])
    by_product: dict[UUID, list[Decimal]] = defaultdict(list)
    # Only the last lines of each product are read, not all the organization ever ordered (the
    # cart asks for these each time it is saved).
    lines = (
        OrderLine.objects.filter(order__in=orders, product_id__in=product_ids)
        .annotate(
            nth=Window(
                RowNumber(), partition_by=[F("product_id")], order_by=F("order__ordered_at").desc()
            )
        )
        .filter(nth__lte=USUAL_LOOKBACK)
        .values_list("product_id", "quantity", "order_unit", "units_per_case")
    )
    for product_id, quantity, unit, per_case in lines:
        pieces = quantity * per_case if unit == "case" and per_case else quantity
        by_product[product_id].append(Decimal(pieces))
    return UsualAmounts(
        pieces={pk: int(_median(values)) for pk, values in by_product.items() if values},
        subtotal=_median(subtotals) if subtotals else None,
    )
