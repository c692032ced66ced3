"""`{% load buyer_prices %}{% if order|shows_prices %}`: whether the buyer may see the prices and
amounts of an order (or a customer). A customer with hidden prices (Customer.hide_prices) sees
none, on any page or mail: the one condition every buyer template uses."""

from __future__ import annotations

from django import template

from tsunagu.ordering.totals import Totals, order_totals

register = template.Library()


@register.filter
def shows_prices(order_or_customer: object) -> bool:
    customer = getattr(order_or_customer, "customer", order_or_customer)
    return not getattr(customer, "hide_prices", False)


@register.filter
def totals(order: object) -> Totals:
    """`{% with totals=order|totals %}`: the order's subtotal, tax per rate and tax-included
    total, for the mails (pages get them from their views)."""
    return order_totals(order)
