from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from tsunagu.calendar.engine import (
    TOKYO,
    CalendarRules,
    available_delivery_dates,
    cutoff_for,
    is_public_holiday,
)

MON, TUE, WED, THU, FRI, SAT, SUN = range(7)

# Closed on Saturdays, Sundays and public holidays; cutoff 15:00; delivery the next business day.
WEEKDAYS_ONLY = CalendarRules()
NEW_YEAR = frozenset(date(2026, 12, 29) + timedelta(days=n) for n in range(7))  # 12/29–1/4


def tokyo(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=TOKYO)


def test_golden_week_2026_holidays_including_the_substitute_one_are_not_business_days() -> None:
    assert [is_public_holiday(date(2026, 4, 29 + n)) for n in range(2)] == [True, False]
    assert [is_public_holiday(date(2026, 5, day)) for day in range(1, 8)] == [
        False,  # Fri 5/1
        False,  # Sat 5/2
        True,  # Sun 5/3 Constitution Day
        True,  # Mon 5/4 Greenery Day
        True,  # Tue 5/5 Children's Day
        True,  # Wed 5/6 substitute holiday for 5/3
        False,  # Thu 5/7
    ]
    assert not WEEKDAYS_ONLY.is_business_day(date(2026, 5, 6))
    assert WEEKDAYS_ONLY.is_business_day(date(2026, 5, 7))


def test_golden_week_2026_an_order_before_the_cutoff_skips_showa_day_and_the_long_weekend() -> None:
    offered = available_delivery_dates(WEEKDAYS_ONLY, now=tokyo(2026, 4, 28, 10, 0))

    assert offered[:4] == [date(2026, 4, 30), date(2026, 5, 1), date(2026, 5, 7), date(2026, 5, 8)]
    assert cutoff_for(WEEKDAYS_ONLY, date(2026, 4, 30)) == tokyo(2026, 4, 28, 15, 0)
    assert cutoff_for(WEEKDAYS_ONLY, date(2026, 5, 7)) == tokyo(2026, 5, 1, 15, 0)
    assert cutoff_for(WEEKDAYS_ONLY, date(2026, 5, 4)) is None


def test_golden_week_2026_an_order_after_the_cutoff_on_thursday_waits_for_may_7() -> None:
    offered = available_delivery_dates(WEEKDAYS_ONLY, now=tokyo(2026, 4, 30, 16, 0))

    # The order counts for Friday 5/1; the next business day after it is Thursday 5/7.
    assert offered[0] == date(2026, 5, 7)


def test_new_year_closed_dates_push_the_first_delivery_to_january_5() -> None:
    rules = CalendarRules(closed_dates=NEW_YEAR)

    offered = available_delivery_dates(rules, now=tokyo(2026, 12, 28, 14, 0))

    assert offered[0] == date(2027, 1, 5)
    assert not set(offered) & NEW_YEAR
    assert cutoff_for(rules, date(2027, 1, 5)) == tokyo(2026, 12, 28, 15, 0)
    assert cutoff_for(rules, date(2026, 12, 30)) is None


def test_new_year_an_order_after_the_last_cutoff_of_the_year_is_delivered_on_january_6() -> None:
    rules = CalendarRules(closed_dates=NEW_YEAR)

    offered = available_delivery_dates(rules, now=tokyo(2026, 12, 28, 15, 0))

    assert offered[0] == date(2027, 1, 6)


def test_a_saturday_order_after_the_cutoff_counts_for_monday() -> None:
    open_on_saturday = CalendarRules(closed_weekdays=frozenset({SUN}))

    after = available_delivery_dates(open_on_saturday, now=tokyo(2026, 6, 13, 16, 30))
    before = available_delivery_dates(open_on_saturday, now=tokyo(2026, 6, 13, 14, 59))

    assert date(2026, 6, 13).weekday() == SAT
    assert after[0] == date(2026, 6, 16)  # order day Mon 6/15, delivery Tue
    assert before[0] == date(2026, 6, 15)  # order day Sat 6/13, delivery Mon (Sunday closed)
    assert cutoff_for(open_on_saturday, date(2026, 6, 15)) == tokyo(2026, 6, 13, 15, 0)


def test_a_saturday_order_to_a_supplier_closed_on_saturdays_counts_for_monday() -> None:
    offered = available_delivery_dates(WEEKDAYS_ONLY, now=tokyo(2026, 6, 13, 9, 0))

    assert offered[0] == date(2026, 6, 16)


def test_the_cutoff_is_the_first_moment_that_counts_for_the_next_business_day() -> None:
    same_day = CalendarRules(lead_days=0)

    just_before = available_delivery_dates(same_day, now=tokyo(2026, 6, 10, 14, 59, 59))
    at_cutoff = available_delivery_dates(same_day, now=tokyo(2026, 6, 10, 15, 0))

    assert just_before[0] == date(2026, 6, 10)
    assert at_cutoff[0] == date(2026, 6, 11)
    assert cutoff_for(same_day, date(2026, 6, 10)) == tokyo(2026, 6, 10, 15, 0)


def test_now_in_another_time_zone_is_read_on_the_tokyo_clock() -> None:
    # 05:30 UTC is 14:30 in Tokyo (before the cutoff), 06:30 UTC is 15:30 (after it).
    before = available_delivery_dates(WEEKDAYS_ONLY, now=datetime(2026, 6, 10, 5, 30, tzinfo=UTC))
    after = available_delivery_dates(WEEKDAYS_ONLY, now=datetime(2026, 6, 10, 6, 30, tzinfo=UTC))
    # 20:00 UTC on Tuesday is already Wednesday 05:00 in Tokyo.
    late = available_delivery_dates(WEEKDAYS_ONLY, now=datetime(2026, 6, 9, 20, 0, tzinfo=UTC))

    assert before[0] == date(2026, 6, 11)
    assert after[0] == date(2026, 6, 12)
    assert late[0] == date(2026, 6, 11)


def test_a_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        available_delivery_dates(WEEKDAYS_ONLY, now=datetime(2026, 6, 10, 9, 0))  # noqa: DTZ001


def test_only_the_customers_delivery_weekdays_are_offered() -> None:
    offered = available_delivery_dates(
        WEEKDAYS_ONLY, now=tokyo(2026, 6, 8, 9, 0), customer_weekdays=frozenset({MON, THU})
    )

    assert offered[:4] == [
        date(2026, 6, 11),
        date(2026, 6, 15),
        date(2026, 6, 18),
        date(2026, 6, 22),
    ]


def test_dates_are_offered_up_to_and_including_today_plus_the_horizon() -> None:
    rules = CalendarRules(horizon_days=7)

    offered = available_delivery_dates(rules, now=tokyo(2026, 6, 8, 9, 0))

    assert offered == [
        date(2026, 6, 9),
        date(2026, 6, 10),
        date(2026, 6, 11),
        date(2026, 6, 12),
        date(2026, 6, 15),
    ]


def test_lead_days_count_business_days_only() -> None:
    rules = CalendarRules(lead_days=3)

    offered = available_delivery_dates(rules, now=tokyo(2026, 6, 11, 9, 0))  # Thursday

    assert offered[0] == date(2026, 6, 16)  # Fri, Mon, Tue
    assert cutoff_for(rules, date(2026, 6, 16)) == tokyo(2026, 6, 11, 15, 0)


def test_a_supplier_that_works_on_holidays_delivers_on_them() -> None:
    rules = CalendarRules(observe_public_holidays=False)

    offered = available_delivery_dates(rules, now=tokyo(2026, 5, 1, 9, 0))

    assert offered[:3] == [date(2026, 5, 4), date(2026, 5, 5), date(2026, 5, 6)]


def test_an_odd_cutoff_time_is_respected_to_the_minute() -> None:
    rules = CalendarRules(cutoff_time=time(11, 30))

    assert available_delivery_dates(rules, now=tokyo(2026, 6, 10, 11, 29))[0] == date(2026, 6, 11)
    assert available_delivery_dates(rules, now=tokyo(2026, 6, 10, 11, 30))[0] == date(2026, 6, 12)


def test_nothing_is_offered_when_the_lead_time_is_longer_than_the_horizon() -> None:
    rules = CalendarRules(lead_days=10, horizon_days=10)

    assert available_delivery_dates(rules, now=tokyo(2026, 6, 10, 9, 0)) == []


def test_a_calendar_closed_every_day_offers_nothing_and_has_no_cutoff() -> None:
    rules = CalendarRules(closed_weekdays=frozenset(range(7)))

    assert available_delivery_dates(rules, now=tokyo(2026, 6, 10, 9, 0)) == []
    assert cutoff_for(rules, date(2026, 6, 10)) is None
