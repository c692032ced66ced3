"""Every write to a supplier's delivery calendar.

Each service first locks the supplier's `DeliveryCalendar` row (making it on first use), so that
two admins changing the same calendar at once queue up instead of overwriting each other.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from tsunagu.accounts.models import Membership, Organization
from tsunagu.audit import services as audit
from tsunagu.calendar.models import ClosedDate, DeliveryCalendar, weekday_digits

# How many days one "closed period" may cover: a year, so a typo cannot close a decade.
MAX_CLOSED_PERIOD_DAYS = 366

# The settings `update_calendar` accepts, and the column each is stored in.
CALENDAR_FIELDS = {
    "closed_weekdays": "closed_weekdays_digits",
    "observe_public_holidays": "observe_public_holidays",
    "cutoff_time": "cutoff_time",
    "lead_days": "lead_days",
    "horizon_days": "horizon_days",
}


class CalendarRuleError(Exception):
    """A calendar change that cannot be made; the message says why."""


def _locked_calendar(supplier: Organization) -> DeliveryCalendar:
    DeliveryCalendar.objects.get_or_create(supplier=supplier)
    return DeliveryCalendar.objects.select_for_update(no_key=True).get(supplier=supplier)


def _column_values(data: dict[str, Any]) -> dict[str, Any]:
    unknown = set(data) - set(CALENDAR_FIELDS)
    if unknown:
        raise ValueError(f"unknown calendar settings: {sorted(unknown)}")
    values = {CALENDAR_FIELDS[key]: value for key, value in data.items()}
    if "closed_weekdays_digits" in values:
        weekdays: Iterable[int | str] = values["closed_weekdays_digits"]
        values["closed_weekdays_digits"] = weekday_digits(weekdays)
    return values


@transaction.atomic
def update_calendar(
    supplier: Organization, *, actor: Membership, data: dict[str, Any]
) -> DeliveryCalendar:
    """Save the supplier's closed weekdays, holidays, cutoff, lead days and horizon.

    `data` uses the names of `engine.CalendarRules` (closed_weekdays: an iterable of weekday
    numbers, Monday=0). Only what changed is written and goes to the audit log.
    """
    calendar = _locked_calendar(supplier)
    values = _column_values(data)
    changes = {
        column: [getattr(calendar, column), value]
        for column, value in values.items()
        if getattr(calendar, column) != value
    }
    if not changes:
        return calendar
    for column, (_old, new) in changes.items():
        setattr(calendar, column, new)
    calendar.full_clean(exclude=["supplier"], validate_unique=False)
    calendar.save(update_fields=[*changes, "updated_at"])
    audit.record(
        "calendar.updated",
        actor=actor.user,
        organization=supplier,
        target=calendar,
        changes={column: [str(old), str(new)] for column, (old, new) in changes.items()},
    )
    return calendar


@transaction.atomic
def add_closed_dates(
    supplier: Organization, *, actor: Membership, start: date, end: date, note: str = ""
) -> list[ClosedDate]:
    """Close every day from `start` to `end` (both included), e.g. 年末年始.

    Days that are already closed keep their note. Returns the closed dates that were added.
    """
    if end < start:
        raise CalendarRuleError(_("The last day is before the first day."))
    if (end - start).days + 1 > MAX_CLOSED_PERIOD_DAYS:
        raise CalendarRuleError(
            _("A closed period can be at most %(days)d days long.")
            % {"days": MAX_CLOSED_PERIOD_DAYS}
        )
    calendar = _locked_calendar(supplier)
    note = note.strip()
    days = [start + timedelta(days=offset) for offset in range((end - start).days + 1)]
    already = set(
        ClosedDate.objects.filter(supplier=supplier, date__range=(start, end)).values_list(
            "date", flat=True
        )
    )
    added = [
        ClosedDate(supplier=supplier, date=day, note=note) for day in days if day not in already
    ]
    # The calendar lock makes `already` exact; ignore_conflicts still keeps the constraint the
    # final word should a writer ever skip the lock.
    ClosedDate.objects.bulk_create(added, ignore_conflicts=True)
    if added:
        audit.record(
            "calendar.closed_dates_added",
            actor=actor.user,
            organization=supplier,
            target=calendar,
            target_label=f"{start.isoformat()}–{end.isoformat()}",
            changes={
                "start": start,
                "end": end,
                "note": note,
                "dates": [closed.date for closed in added],
            },
        )
    return added


@transaction.atomic
def remove_closed_date(closed_date: ClosedDate, *, actor: Membership) -> None:
    """Make a closed date an ordinary day again (it stays closed if it is a closed weekday or a
    holiday)."""
    calendar = _locked_calendar(closed_date.supplier)
    deleted, _rows = ClosedDate.objects.filter(pk=closed_date.pk).delete()
    if not deleted:
        return
    audit.record(
        "calendar.closed_date_removed",
        actor=actor.user,
        organization=closed_date.supplier,
        target=calendar,
        target_label=closed_date.date.isoformat(),
        changes={"date": closed_date.date, "note": closed_date.note},
    )
