"""Reading a supplier's delivery calendar."""

from __future__ import annotations

from datetime import date

from django.db.models import QuerySet

from tsunagu.accounts.models import Organization
from tsunagu.calendar.engine import CalendarRules
from tsunagu.calendar.models import ClosedDate, DeliveryCalendar


def calendar_of(supplier: Organization) -> DeliveryCalendar:
    """The supplier's calendar row, or an unsaved one holding the defaults."""
    calendar = DeliveryCalendar.objects.filter(supplier=supplier).first()
    return calendar if calendar is not None else DeliveryCalendar(supplier=supplier)


def rules_for(supplier: Organization) -> CalendarRules:
    """The supplier's rules for the engine (the defaults while it has no calendar yet).

    Every closed date is loaded, past ones included: `cutoff_for` counts business days backwards,
    and a supplier adds only a handful a year.
    """
    calendar = calendar_of(supplier)
    closed_dates = ClosedDate.objects.filter(supplier=supplier).values_list("date", flat=True)
    return CalendarRules(
        closed_weekdays=calendar.closed_weekdays,
        closed_dates=frozenset(closed_dates),
        observe_public_holidays=calendar.observe_public_holidays,
        cutoff_time=calendar.cutoff_time,
        lead_days=calendar.lead_days,
        horizon_days=calendar.horizon_days,
    )


def upcoming_closed_dates(supplier: Organization, *, today: date) -> QuerySet[ClosedDate]:
    """The supplier's closed dates from `today` on, earliest first."""
    return ClosedDate.objects.filter(supplier=supplier, date__gte=today).order_by("date")
