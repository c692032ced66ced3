from __future__ import annotations

from datetime import date, time

import pytest
from django.core.exceptions import ValidationError

from tsunagu.accounts.models import Membership, Organization
from tsunagu.audit.models import AuditEntry
from tsunagu.calendar import selectors, services
from tsunagu.calendar.engine import CalendarRules
from tsunagu.calendar.models import ClosedDate, DeliveryCalendar
from tsunagu.calendar.tests.factories import ClosedDateFactory, DeliveryCalendarFactory

pytestmark = pytest.mark.django_db


def test_a_supplier_without_a_calendar_gets_the_default_rules(supplier: Organization) -> None:
    assert selectors.rules_for(supplier) == CalendarRules()
    assert CalendarRules().closed_weekdays == frozenset({5, 6})
    assert not DeliveryCalendar.objects.exists()


def test_rules_hold_the_suppliers_own_settings_and_closed_dates_only(
    supplier: Organization, other_supplier: Organization
) -> None:
    DeliveryCalendarFactory.create(
        supplier=supplier,
        closed_weekdays_digits="6",
        observe_public_holidays=False,
        cutoff_time=time(11, 30),
        lead_days=2,
        horizon_days=14,
    )
    ClosedDateFactory.create(supplier=supplier, date=date(2026, 8, 13))
    ClosedDateFactory.create(supplier=other_supplier, date=date(2026, 8, 14))

    assert selectors.rules_for(supplier) == CalendarRules(
        closed_weekdays=frozenset({6}),
        closed_dates=frozenset({date(2026, 8, 13)}),
        observe_public_holidays=False,
        cutoff_time=time(11, 30),
        lead_days=2,
        horizon_days=14,
    )


def test_update_calendar_makes_the_row_and_records_only_what_changed(
    supplier: Organization, supplier_admin: Membership
) -> None:
    calendar = services.update_calendar(
        supplier,
        actor=supplier_admin,
        data={
            "closed_weekdays": [6, 6],
            "observe_public_holidays": True,
            "cutoff_time": time(14, 0),
            "lead_days": 1,
            "horizon_days": 28,
        },
    )

    assert calendar.closed_weekdays == frozenset({6})
    assert calendar.cutoff_time == time(14, 0)
    entry = AuditEntry.objects.get(action="calendar.updated")
    assert entry.changes == {
        "closed_weekdays_digits": ["56", "6"],
        "cutoff_time": ["15:00:00", "14:00:00"],
    }
    assert entry.actor_email == "admin@supplier.test"
    assert entry.organization_id == supplier.pk


def test_saving_the_same_settings_again_changes_and_records_nothing(
    supplier: Organization, supplier_admin: Membership
) -> None:
    data = {"closed_weekdays": {6}, "lead_days": 2}
    services.update_calendar(supplier, actor=supplier_admin, data=data)

    services.update_calendar(supplier, actor=supplier_admin, data=data)

    assert AuditEntry.objects.filter(action="calendar.updated").count() == 1
    assert DeliveryCalendar.objects.count() == 1


def test_update_calendar_refuses_values_out_of_range_and_saves_nothing(
    supplier: Organization, supplier_admin: Membership
) -> None:
    with pytest.raises(ValidationError):
        services.update_calendar(supplier, actor=supplier_admin, data={"lead_days": 99})

    assert selectors.rules_for(supplier).lead_days == 1
    assert not AuditEntry.objects.filter(action="calendar.updated").exists()


def test_add_closed_dates_closes_each_day_once_and_keeps_existing_notes(
    supplier: Organization, supplier_admin: Membership
) -> None:
    ClosedDateFactory.create(supplier=supplier, date=date(2027, 1, 1), note="元日")

    added = services.add_closed_dates(
        supplier,
        actor=supplier_admin,
        start=date(2026, 12, 29),
        end=date(2027, 1, 4),
        note=" 年末年始 ",
    )

    assert len(added) == 6
    assert list(ClosedDate.objects.filter(supplier=supplier).values_list("date", "note")) == [
        (date(2026, 12, 29), "年末年始"),
        (date(2026, 12, 30), "年末年始"),
        (date(2026, 12, 31), "年末年始"),
        (date(2027, 1, 1), "元日"),
        (date(2027, 1, 2), "年末年始"),
        (date(2027, 1, 3), "年末年始"),
        (date(2027, 1, 4), "年末年始"),
    ]
    entry = AuditEntry.objects.get(action="calendar.closed_dates_added")
    assert entry.changes["start"] == "2026-12-29"
    assert entry.changes["end"] == "2027-01-04"
    assert len(entry.changes["dates"]) == 6


def test_adding_days_that_are_all_closed_already_records_nothing(
    supplier: Organization, supplier_admin: Membership
) -> None:
    ClosedDateFactory.create(supplier=supplier, date=date(2026, 8, 13))

    added = services.add_closed_dates(
        supplier, actor=supplier_admin, start=date(2026, 8, 13), end=date(2026, 8, 13)
    )

    assert added == []
    assert not AuditEntry.objects.filter(action="calendar.closed_dates_added").exists()


def test_a_period_ending_before_it_starts_or_longer_than_a_year_is_refused(
    supplier: Organization, supplier_admin: Membership
) -> None:
    with pytest.raises(services.CalendarRuleError):
        services.add_closed_dates(
            supplier, actor=supplier_admin, start=date(2026, 8, 14), end=date(2026, 8, 13)
        )
    with pytest.raises(services.CalendarRuleError):
        services.add_closed_dates(
            supplier, actor=supplier_admin, start=date(2026, 1, 1), end=date(2027, 1, 2)
        )

    assert not ClosedDate.objects.exists()


def test_remove_closed_date_deletes_it_and_records_which_day(
    supplier: Organization, supplier_admin: Membership
) -> None:
    closed = ClosedDateFactory.create(supplier=supplier, date=date(2026, 8, 13), note="お盆")

    services.remove_closed_date(closed, actor=supplier_admin)

    assert not ClosedDate.objects.exists()
    entry = AuditEntry.objects.get(action="calendar.closed_date_removed")
    assert entry.changes == {"date": "2026-08-13", "note": "お盆"}
    assert entry.target_label == "2026-08-13"
