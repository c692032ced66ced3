"""Filters for printed figures and dates on documents and their pages."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django import template

register = template.Library()


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


@register.filter
def yen(value: Any) -> str:
    """1234 → "1,234", -1234 → "-1,234" (whole yen)."""
    number = _decimal(value)
    if number is None:
        return ""
    return f"{number.quantize(Decimal(1)):,}"


@register.filter
def price(value: Any) -> str:
    """A unit price with its decimals only when it has some: 1200 → "1,200", 12.5 → "12.5"."""
    number = _decimal(value)
    if number is None:
        return ""
    if number == number.to_integral_value():
        return f"{number.quantize(Decimal(1)):,}"
    return f"{number.quantize(Decimal('0.01')).normalize():,f}"


@register.filter
def stored_date(value: date | str | None) -> date | None:
    """A date kept as "2026-04-20" in a document's content, as a date for the `date` filter."""
    if not value:
        return None
    if isinstance(value, str):
        return date.fromisoformat(value)
    return value


@register.filter
def jdate(value: date | str | None) -> str:
    """2026-04-20 → "2026年4月20日"."""
    if not value:
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value)
    return f"{value.year}年{value.month}月{value.day}日"


@register.filter
def sdate(value: date | str | None) -> str:
    """2026-04-20 → "04/20" for narrow table columns."""
    if not value:
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value)
    return f"{value.month:02d}/{value.day:02d}"


@register.filter
def yen_mark(value: Any) -> str:
    """1234 → "¥1,234", -1234 → "-¥1,234"."""
    number = _decimal(value)
    if number is None:
        return ""
    sign = "-" if number < 0 else ""
    return f"{sign}¥{abs(number).quantize(Decimal(1)):,}"
