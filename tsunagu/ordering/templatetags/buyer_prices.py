"""`{% load buyer_prices %}{% if order|shows_prices %}`: whether the buyer may see the prices and
amounts of an order (or a customer). A customer with hidden prices (Customer.hide_prices) sees
none, on any page or mail: the one condition every buyer template uses."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def shows_prices(order_or_customer: object) -> bool:
    customer = getattr(order_or_customer, "customer", order_or_customer)
    return not getattr(customer, "hide_prices", False)
