"""The delivery-date engine: which days a supplier delivers, and until when an order may come in.

Pure functions on a frozen `CalendarRules`: no database, no clock. The caller passes `now`, so the
same rules give the same answer in a page, a task, the API and a test. `selectors.rules_for` builds
the rules of one supplier.

Two functions answer the same question from both ends and must always agree:
a date is offered at `now` exactly when it is a business day, within the horizon and the
customer's delivery weekdays, and `now < cutoff_for(rules, date)`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

TOKYO = ZoneInfo("Asia/Tokyo")

# The defaults of a supplier that has not set up its calendar yet. Closed on Saturdays, Sundays and
# public holidays: it is safer to offer too few delivery dates than to promise one nobody works on.
DEFAULT_CLOSED_WEEKDAYS: frozenset[int] = frozenset({5, 6})
DEFAULT_CUTOFF_TIME = time(15, 0)
DEFAULT_LEAD_DAYS = 1
DEFAULT_HORIZON_DAYS = 28

MONDAY, SUNDAY = 0, 6
ALL_WEEKDAYS: frozenset[int] = frozenset(range(MONDAY, SUNDAY + 1))

_ONE_DAY = timedelta(days=1)


@lru_cache(maxsize=256)
def _public_holidays(year: int) -> frozenset[date]:
    """Japanese public holidays of one year, including substitute and in-between holidays."""
    return frozenset(holidays.JP(years=year))


def is_public_holiday(day: date) -> bool:
    return day in _public_holidays(day.year)


@dataclass(frozen=True)
class CalendarRules:
    """One supplier's delivery calendar, as plain values."""

    closed_weekdays: frozenset[int] = DEFAULT_CLOSED_WEEKDAYS
    closed_dates: frozenset[date] = frozenset()
    observe_public_holidays: bool = True
    cutoff_time: time = DEFAULT_CUTOFF_TIME
    lead_days: int = DEFAULT_LEAD_DAYS
    horizon_days: int = DEFAULT_HORIZON_DAYS

    def is_business_day(self, day: date) -> bool:
        """The supplier works (takes orders and delivers) on this day."""
        if day.weekday() in self.closed_weekdays or day in self.closed_dates:
            return False
        return not (self.observe_public_holidays and is_public_holiday(day))


def local_now(now: datetime) -> datetime:
    """`now` on the Tokyo clock. A naive datetime is refused: it would silently shift cutoffs."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be an aware datetime")
    return now.astimezone(TOKYO)


def available_delivery_dates(
    rules: CalendarRules, *, now: datetime, customer_weekdays: frozenset[int] | None = None
) -> list[date]:
    """The delivery dates a customer can choose for an order placed at `now`, earliest first.

    The order counts for today when it comes in before the cutoff on a business day, otherwise
    for the next business day. The earliest delivery is `lead_days` business days after that
    (0: the same day). Every business day from there up to today + `horizon_days` that falls on
    one of the customer's delivery weekdays is offered (`None`: any weekday).
    """
    current = local_now(now)
    today = current.date()
    last = today + timedelta(days=rules.horizon_days)
    business_days = [
        today + timedelta(days=offset)
        for offset in range((last - today).days + 1)
        if rules.is_business_day(today + timedelta(days=offset))
    ]
    # business_days[0] is the order day, unless today is a business day whose cutoff has passed.
    start = 0
    if business_days and business_days[0] == today and current.time() >= rules.cutoff_time:
        start = 1
    return [
        day
        for day in business_days[start + rules.lead_days :]
        if customer_weekdays is None or day.weekday() in customer_weekdays
    ]


def cutoff_for(rules: CalendarRules, delivery_date: date) -> datetime | None:
    """The moment an order must come in before (Tokyo time) to be delivered on `delivery_date`:
    the cutoff time on the business day `lead_days` business days earlier.

    None when nobody delivers on that date (not a business day).
    """
    if not rules.is_business_day(delivery_date):
        return None
    order_day = delivery_date
    remaining = rules.lead_days
    try:
        while remaining:
            order_day -= _ONE_DAY
            if rules.is_business_day(order_day):
                remaining -= 1
    except OverflowError:
        # Ran past year 1 without finding enough business days: no order could ever make it.
        return None
    return datetime.combine(order_day, rules.cutoff_time, tzinfo=TOKYO)
