"""Closing dates, billing periods, due dates and invoice figures: pure functions, no database."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tsunagu.core.money import Rounding, round_money
from tsunagu.customers.models import MONTH_END
from tsunagu.documents.billing import (
    BillingPeriod,
    billing_period,
    closing_date_in,
    due_date_for,
    invoice_figures,
    is_closing_date,
    is_payment_business_day,
    latest_closing_date,
    next_business_day,
    next_closing_date,
    previous_closing_date,
)
from tsunagu.documents.issuing import DocLine

closing_days = st.one_of(st.integers(min_value=1, max_value=28), st.just(MONTH_END))
days = st.dates(min_value=date(2000, 1, 1), max_value=date(2098, 12, 31))


def line(amount: int, rate: int) -> DocLine:
    return DocLine(
        delivered_on=date(2026, 11, 2),
        order_number="S-000001",
        product_code="P1",
        product_name="品",
        quantity=1,
        unit_label="個",
        unit_price=Decimal(amount),
        amount=Decimal(amount),
        tax_rate=rate,
    )


# ---- concrete dates ------------------------------------------------------------------------------


def test_20th_closing_paid_at_the_end_of_the_next_month() -> None:
    """20日締め翌月末払い."""
    period = billing_period(date(2026, 10, 20), 20)

    assert period == BillingPeriod(date(2026, 9, 21), date(2026, 10, 20))
    assert due_date_for(
        date(2026, 10, 20), month_offset=1, payment_day=MONTH_END, move_off_holidays=True
    ) == date(2026, 11, 30)


def test_month_end_closing_paid_on_the_10th_two_months_later_moves_off_a_holiday() -> None:
    """末締め翌々月10日払い: 2027-01-10 is a Sunday and 01-11 is Coming of Age Day."""
    closing = date(2026, 11, 30)

    assert billing_period(closing, MONTH_END) == BillingPeriod(date(2026, 11, 1), closing)
    assert due_date_for(closing, month_offset=2, payment_day=10, move_off_holidays=False) == date(
        2027, 1, 10
    )
    assert due_date_for(closing, month_offset=2, payment_day=10, move_off_holidays=True) == date(
        2027, 1, 12
    )


def test_a_due_date_on_new_years_eve_moves_past_the_bank_holidays() -> None:
    # 20日締め翌月末払い closing 2026-11-20: 12-31 is a Thursday, but banks are closed until 01-03.
    assert due_date_for(
        date(2026, 11, 20), month_offset=1, payment_day=MONTH_END, move_off_holidays=True
    ) == date(2027, 1, 4)
    assert due_date_for(
        date(2026, 11, 20), month_offset=1, payment_day=MONTH_END, move_off_holidays=False
    ) == date(2026, 12, 31)


def test_february_month_end_in_a_common_year() -> None:
    assert closing_date_in(2026, 2, MONTH_END) == date(2026, 2, 28)
    assert is_closing_date(date(2026, 2, 28), MONTH_END)
    assert billing_period(date(2026, 2, 28), MONTH_END) == BillingPeriod(
        date(2026, 2, 1), date(2026, 2, 28)
    )
    assert billing_period(date(2026, 3, 31), MONTH_END) == BillingPeriod(
        date(2026, 3, 1), date(2026, 3, 31)
    )
    # 末締め当月末払い in February: the 28th is a Saturday → Monday 2 March.
    assert due_date_for(
        date(2026, 2, 28), month_offset=0, payment_day=MONTH_END, move_off_holidays=True
    ) == date(2026, 3, 2)


def test_february_month_end_in_a_leap_year() -> None:
    assert closing_date_in(2028, 2, MONTH_END) == date(2028, 2, 29)
    assert not is_closing_date(date(2028, 2, 28), MONTH_END)
    assert is_closing_date(date(2028, 2, 28), 28)
    assert billing_period(date(2028, 3, 31), MONTH_END).start == date(2028, 3, 1)
    assert billing_period(date(2028, 2, 29), MONTH_END) == BillingPeriod(
        date(2028, 2, 1), date(2028, 2, 29)
    )
    # 25日締め翌月末払い closing 2028-01-25: due on the leap day (a Tuesday).
    assert due_date_for(
        date(2028, 1, 25), month_offset=1, payment_day=MONTH_END, move_off_holidays=True
    ) == date(2028, 2, 29)


def test_a_period_follows_the_previous_invoice_when_there_is_one() -> None:
    # The closing day changed from 20 to month end: the new period starts after the old closing.
    assert billing_period(
        date(2026, 11, 30), MONTH_END, previous_end=date(2026, 10, 20)
    ) == BillingPeriod(date(2026, 10, 21), date(2026, 11, 30))


def test_previous_closing_date_refuses_a_day_that_is_not_a_closing_date() -> None:
    with pytest.raises(ValueError, match="not a closing date"):
        previous_closing_date(date(2026, 11, 19), 20)


def test_tax_is_rounded_once_per_rate_with_the_suppliers_rule() -> None:
    lines = [line(105, 10), line(105, 10), line(99, 8), line(99, 8)]

    down = invoice_figures(
        lines, rounding=Rounding.DOWN, previous_balance=Decimal(5000), payments=Decimal(3000)
    )
    half_up = invoice_figures(lines, rounding=Rounding.HALF_UP)

    # 210 × 10% = 21; 198 × 8% = 15.84 → 15 (down) or 16 (half up); per line it would be 14 / 16.
    assert down.amount_by_rate == {10: Decimal(210), 8: Decimal(198)}
    assert down.tax_by_rate == {10: Decimal(21), 8: Decimal(15)}
    assert half_up.tax_by_rate == {10: Decimal(21), 8: Decimal(16)}
    assert down.total == Decimal(444)
    assert (down.carry_over, down.amount_due) == (Decimal(2000), Decimal(2444))


# ---- properties ----------------------------------------------------------------------------------


@given(day=days, closing_day=closing_days)
def test_closing_dates_around_any_day(day: date, closing_day: int) -> None:
    upcoming = next_closing_date(day, closing_day)
    latest = latest_closing_date(day, closing_day)

    assert is_closing_date(upcoming, closing_day)
    assert is_closing_date(latest, closing_day)
    assert latest <= day <= upcoming
    assert all(
        not is_closing_date(latest + timedelta(days=n), closing_day)
        for n in range(1, (upcoming - latest).days)
    )


@given(day=days, closing_day=closing_days)
def test_consecutive_periods_tile_the_calendar(day: date, closing_day: int) -> None:
    closing = next_closing_date(day, closing_day)
    period = billing_period(closing, closing_day)
    following = billing_period(
        next_closing_date(closing + timedelta(days=1), closing_day), closing_day
    )

    assert following.start == period.end + timedelta(days=1)
    assert 28 <= (period.end - period.start).days + 1 <= 31
    assert period.previous_closing == previous_closing_date(closing, closing_day)
    assert day in billing_period(next_closing_date(day, closing_day), closing_day)


@given(
    day=days,
    closing_day=closing_days,
    month_offset=st.integers(min_value=0, max_value=2),
    payment_day=closing_days,
)
def test_due_dates_follow_the_terms(
    day: date, closing_day: int, month_offset: int, payment_day: int
) -> None:
    closing = next_closing_date(day, closing_day)

    due = due_date_for(
        closing, month_offset=month_offset, payment_day=payment_day, move_off_holidays=False
    )
    moved = due_date_for(
        closing, month_offset=month_offset, payment_day=payment_day, move_off_holidays=True
    )

    months_later = (due.year - closing.year) * 12 + due.month - closing.month
    assert months_later == month_offset
    assert due.day == payment_day or (
        payment_day == MONTH_END and (due + timedelta(days=1)).day == 1
    )
    assert moved >= due
    assert is_payment_business_day(moved)
    assert all(
        not is_payment_business_day(due + timedelta(days=n)) for n in range((moved - due).days)
    )
    assert next_business_day(moved) == moved


money = st.integers(min_value=0, max_value=10**7)


@given(
    amounts=st.lists(st.tuples(money, st.sampled_from([10, 8])), max_size=30),
    previous=money,
    paid=money,
    rounding=st.sampled_from(list(Rounding)),
)
def test_amount_due_is_carry_over_plus_this_periods_total(
    amounts: list[tuple[int, int]], previous: int, paid: int, rounding: Rounding
) -> None:
    figures = invoice_figures(
        [line(amount, rate) for amount, rate in amounts],
        rounding=rounding,
        previous_balance=Decimal(previous),
        payments=Decimal(paid),
    )

    for rate in (10, 8):
        base = sum((Decimal(a) for a, r in amounts if r == rate), Decimal(0))
        assert figures.amount_by_rate[rate] == base
        assert figures.tax_by_rate[rate] == round_money(base * rate / 100, rounding)
    assert figures.carry_over == previous - paid
    assert figures.amount_due == figures.carry_over + figures.total
    assert figures.total == sum(figures.amount_by_rate.values()) + sum(figures.tax_by_rate.values())
