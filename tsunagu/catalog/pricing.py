"""Which price a customer pays for a product. One order, documented and tested:

1. the customer's own price for the product (得意先別価格), if there is one;
2. otherwise the customer's price group rate (掛け率) applied to the list price, rounded by the
   supplier's rule: to whole yen, or to the sen when the list price itself has sen;
3. otherwise the list price.

`hidden` tells the buyer's pages not to show it (the customer's "hide prices" setting); the price
still applies to the order and the invoice.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from tsunagu.catalog.models import CustomerPrice, Product
from tsunagu.core.money import SEN, YEN, round_money
from tsunagu.customers.models import Customer


@dataclass(frozen=True)
class Price:
    unit_price: Decimal
    source: str  # "customer", "group" or "list"
    hidden: bool


def group_price(list_price: Decimal, rate: Decimal, rounding: str) -> Decimal:
    quantum = YEN if list_price == list_price.to_integral_value() else SEN
    return round_money(list_price * rate / Decimal(100), rounding, quantum)


_LOOK_UP = object()


def price_for(
    product: Product,
    customer: Customer,
    *,
    customer_price: CustomerPrice | object | None = _LOOK_UP,
) -> Price:
    """The unit price (tax excluded) `customer` pays for `product`.

    Pass `customer_price` (the row, or None for "none") when the caller has loaded the customer's
    prices in bulk for a list; without it the price is looked up."""
    if customer_price is _LOOK_UP:
        customer_price = CustomerPrice.objects.filter(customer=customer, product=product).first()
    hidden = customer.hide_prices
    if isinstance(customer_price, CustomerPrice):
        return Price(customer_price.unit_price, "customer", hidden)
    if customer.price_group is not None:
        rounding = customer.supplier.rounding
        return Price(
            group_price(product.unit_price, customer.price_group.rate, rounding), "group", hidden
        )
    return Price(product.unit_price, "list", hidden)
