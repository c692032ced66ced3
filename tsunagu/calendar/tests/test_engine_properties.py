"""Properties of the delivery-date engine over random calendars, clocks and customers."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from tsunagu.calendar.engine import (
    TOKYO,
    CalendarRules,
    available_delivery_dates,
    cutoff_for,
    is_public_holiday,
)

weekday_sets = st.frozensets(st.integers(min_value=0, max_value=6))

rules_strategy = st.builds(
    CalendarRules,
    closed_weekdays=st.frozensets(st.integers(min_value=0, max_value=6), max_size=6),
    closed_dates=st.frozensets(
        st.dates(min_value=date(2025, 11, 1), max_value=date(2028, 3, 31)), max_size=40
    ),
    observe_public_holidays=st.booleans(),
    cutoff_time=st.times(),
    lead_days=st.integers(min_value=0, max_value=10),
    horizon_days=st.integers(min_value=1, max_value=90),
)

# Around the years' ends and Golden Week often, anywhere in 2026–2027 otherwise.
moments = st.datetimes(
    min_value=datetime(2026, 1, 1),  # noqa: DTZ001 - hypothesis takes naive bounds
    max_value=datetime(2027, 12, 31, 23, 59, 59),  # noqa: DTZ001
    timezones=st.sampled_from([TOKYO, UTC]),
)

customers = st.none() | weekday_sets


def order_day(rules: CalendarRules, now: datetime) -> date:
    """The day an order placed at `now` counts for, found the slow and obvious way."""
    local = now.astimezone(TOKYO)
    day = local.date()
    if rules.is_business_day(day) and local.time() < rules.cutoff_time:
        return day
    day += timedelta(days=1)
    while not rules.is_business_day(day):
        day += timedelta(days=1)
    return day


def business_days_between(rules: CalendarRules, after: date, until: date) -> int:
    """Business days in (after, until]."""
    return sum(
        rules.is_business_day(after + timedelta(days=n)) for n in range(1, (until - after).days + 1)
    )


@settings(max_examples=200, deadline=None, database=None)
@given(rules=rules_strategy, now=moments, customer_weekdays=customers)
def test_no_offered_date_is_closed_a_holiday_off_route_or_too_early(
    rules: CalendarRules, now: datetime, customer_weekdays: frozenset[int] | None
) -> None:
    offered = available_delivery_dates(rules, now=now, customer_weekdays=customer_weekdays)

    today = now.astimezone(TOKYO).date()
    assert offered == sorted(set(offered))
    for day in offered:
        assert day.weekday() not in rules.closed_weekdays
        assert day not in rules.closed_dates
        assert not (rules.observe_public_holidays and is_public_holiday(day))
        assert customer_weekdays is None or day.weekday() in customer_weekdays
        assert today <= day <= today + timedelta(days=rules.horizon_days)
        ordered_for = order_day(rules, now)
        assert day >= ordered_for
        assert business_days_between(rules, ordered_for, day) >= rules.lead_days


@settings(max_examples=200, deadline=None, database=None)
@given(rules=rules_strategy, now=moments, customer_weekdays=customers)
def test_a_date_is_offered_exactly_while_its_cutoff_is_ahead(
    rules: CalendarRules, now: datetime, customer_weekdays: frozenset[int] | None
) -> None:
    offered = set(available_delivery_dates(rules, now=now, customer_weekdays=customer_weekdays))

    today = now.astimezone(TOKYO).date()
    last = today + timedelta(days=rules.horizon_days)
    for n in range(-3, rules.horizon_days + 4):
        day = today + timedelta(days=n)
        cutoff = cutoff_for(rules, day)
        assert (cutoff is None) == (not rules.is_business_day(day))
        expected = (
            cutoff is not None
            and day <= last
            and (customer_weekdays is None or day.weekday() in customer_weekdays)
            and now < cutoff
        )
        assert (day in offered) == expected, (day, cutoff)


@settings(max_examples=200, deadline=None, database=None)
@given(rules=rules_strategy, delivery=st.dates(date(2026, 1, 1), date(2027, 12, 31)))
def test_a_date_is_offered_until_the_instant_of_its_cutoff_and_not_after(
    rules: CalendarRules, delivery: date
) -> None:
    cutoff = cutoff_for(rules, delivery)
    if cutoff is None:
        assert not rules.is_business_day(delivery)
        return
    assert cutoff.tzinfo == TOKYO
    assert cutoff.time() == rules.cutoff_time
    assert rules.is_business_day(cutoff.date())
    assert cutoff.date() <= delivery
    assert business_days_between(rules, cutoff.date(), delivery) == rules.lead_days

    just_before = cutoff - timedelta(microseconds=1)
    within_horizon = delivery <= just_before.date() + timedelta(days=rules.horizon_days)
    assert (delivery in available_delivery_dates(rules, now=just_before)) == within_horizon
    assert delivery not in available_delivery_dates(rules, now=cutoff)


@settings(max_examples=200, deadline=None, database=None)
@given(rules=rules_strategy, now=moments)
def test_a_customers_dates_are_the_suppliers_dates_on_the_customers_weekdays(
    rules: CalendarRules, now: datetime
) -> None:
    every = available_delivery_dates(rules, now=now)
    mondays_and_thursdays = available_delivery_dates(
        rules, now=now, customer_weekdays=frozenset({0, 3})
    )

    assert mondays_and_thursdays == [day for day in every if day.weekday() in {0, 3}]


def test_a_midnight_cutoff_means_tomorrow_and_the_last_microsecond_means_today() -> None:
    for cutoff in (time(0, 0), time(23, 59, 59, 999999)):
        rules = CalendarRules(cutoff_time=cutoff, lead_days=0)
        now = datetime(2026, 6, 10, 12, 0, tzinfo=TOKYO)
        offered = available_delivery_dates(rules, now=now)
        expected_first = date(2026, 6, 11) if cutoff == time(0, 0) else date(2026, 6, 10)
        assert offered[0] == expected_first
