from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from django.db.models import Count, Func, IntegerField, OuterRef, Q, QuerySet, Subquery

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
class AccountSummary:
    customer: Customer
    recent: list[Order]
    favourites: int
    cart_lines: int
    next_delivery: DeliveryChoice | None


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


def home_accounts(
    member: Membership, accounts: list[Customer], *, now: datetime
) -> list[AccountSummary]:
    """For the buyer home: each supplier with its last orders and favourites (fixed queries)."""
    recent: dict[object, list[Order]] = defaultdict(list)
    orders = (
        Order.objects.filter(buyer=member.organization, customer__in=accounts)
        .exclude(status=OrderStatus.CANCELLED)
        .annotate(line_count=_line_count())
        .order_by("-ordered_at")[: 10 * max(len(accounts), 1)]
    )
    for order in orders:
        if len(recent[order.customer_id]) < 3:
            recent[order.customer_id].append(order)
    favourites = dict(
        Favourite.objects.filter(buyer=member.organization)
        .values("supplier_id")
        .annotate(n=Count("id"))
        .values_list("supplier_id", "n")
    )
    carts = cart_counts(member)
    summaries = []
    for customer in accounts:
        choices = delivery_choices(customer, now=now)
        summaries.append(
            AccountSummary(
                customer=customer,
                recent=recent.get(customer.pk, []),
                favourites=favourites.get(customer.supplier_id, 0),
                cart_lines=carts.get(customer.pk, 0),
                next_delivery=choices[0] if choices else None,
            )
        )
    return summaries


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
