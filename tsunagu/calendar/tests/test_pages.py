"""The calendar settings page, in English: the Japanese comes from the translation catalogue,
so these tests pin the source text and the behaviour, not the translation."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import client_for
from tsunagu.accounts.models import Membership, Organization, Role
from tsunagu.accounts.tests.factories import BuyerFactory, MembershipFactory
from tsunagu.audit.models import AuditEntry
from tsunagu.calendar.engine import TOKYO
from tsunagu.calendar.models import ClosedDate, DeliveryCalendar
from tsunagu.calendar.tests.factories import ClosedDateFactory

pytestmark = pytest.mark.django_db

URL = "/supplier/calendar/"

SETTINGS = {
    "closed_weekdays": ["6"],
    "observe_public_holidays": "on",
    "cutoff_time": "14:00",
    "lead_days": "1",
    "horizon_days": "21",
}


def in_english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def tuesday_before_golden_week() -> Iterator[None]:
    """Tuesday 2026-04-28, 10:00 in Tokyo: Showa Day is tomorrow."""
    with time_machine.travel(datetime(2026, 4, 28, 10, 0, tzinfo=TOKYO), tick=False):
        yield


@pytest.fixture
def admin_client(supplier_admin: Membership, tuesday_before_golden_week: None) -> Client:
    # Logged in at the frozen time, so the re-authentication window is measured from it.
    return in_english(client_for(supplier_admin))


def test_the_urls_have_their_names() -> None:
    assert reverse("calendar-settings") == URL
    assert (
        reverse("closed-date-delete", args=["0190a8d2-0000-7000-8000-000000000000"])
        == "/supplier/calendar/closed-dates/0190a8d2-0000-7000-8000-000000000000/delete/"
    )


def test_a_new_supplier_sees_the_defaults_and_the_dates_a_customer_could_choose_now(
    admin_client: Client,
) -> None:
    page = admin_client.get(URL).content.decode()

    assert "Delivery dates a customer can choose for an order placed now" in page
    assert 'value="5" id="id_closed_weekdays_5" checked' in page
    assert 'value="6" id="id_closed_weekdays_6" checked' in page
    assert 'value="15:00"' in page
    # 4/29 is Showa Day, 5/2–5/6 a weekend and holidays.
    assert page.index("2026/04/30 (Thu)") < page.index("2026/05/01 (Fri)")
    assert page.index("2026/05/01 (Fri)") < page.index("2026/05/07 (Thu)")
    assert "2026/04/29" not in page
    assert "2026/05/04" not in page
    assert "4/28 (Tue) 15:00" in page
    assert "No closed days are planned." in page


def test_an_admin_saves_the_settings_and_is_told_so(
    admin_client: Client, supplier: Organization
) -> None:
    response = admin_client.post(URL, SETTINGS, follow=True)

    assert response.redirect_chain == [(URL, 302)]
    page = response.content.decode()
    assert "The delivery calendar was saved." in page
    calendar = DeliveryCalendar.objects.get(supplier=supplier)
    assert calendar.closed_weekdays == frozenset({6})
    assert calendar.cutoff_time == time(14, 0)
    assert calendar.horizon_days == 21
    # Open on Saturday now: 5/2 is offered.
    assert "2026/05/02 (Sat)" in page
    assert AuditEntry.objects.filter(action="calendar.updated").count() == 1


def test_a_cutoff_typed_in_full_width_is_understood(
    admin_client: Client, supplier: Organization
) -> None:
    admin_client.post(URL, {**SETTINGS, "cutoff_time": "１１：３０"})

    assert DeliveryCalendar.objects.get(supplier=supplier).cutoff_time == time(11, 30)


def test_a_bad_value_keeps_the_input_and_says_what_is_wrong_under_the_field(
    admin_client: Client,
) -> None:
    response = admin_client.post(
        URL, {**SETTINGS, "cutoff_time": "25:00", "lead_days": "3", "horizon_days": "2"}
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert 'value="25:00"' in page
    assert 'value="3"' in page
    assert 'value="6" id="id_closed_weekdays_6" checked' in page
    assert 'value="5" id="id_closed_weekdays_5" checked' not in page
    assert '<div class="field__error" id="id_cutoff_time_error" role="alert">' in page
    assert "Enter a time such as 15:00." in page
    assert 'id="id_horizon_days_error"' in page
    assert "Make this larger than the lead days" in page
    assert not DeliveryCalendar.objects.exists()
    assert not AuditEntry.objects.filter(action="calendar.updated").exists()


def test_every_weekday_closed_is_refused(admin_client: Client) -> None:
    response = admin_client.post(
        URL, {**SETTINGS, "closed_weekdays": [str(day) for day in range(7)]}
    )

    assert 'id="id_closed_weekdays_error"' in response.content.decode()
    assert not DeliveryCalendar.objects.exists()


def test_an_admin_closes_the_new_year_and_sees_the_days_listed(
    admin_client: Client, supplier: Organization
) -> None:
    response = admin_client.post(
        reverse("closed-dates-add"),
        {"start": "2026-12-29", "end": "2027-01-04", "note": "年末年始"},
        follow=True,
    )

    page = response.content.decode()
    assert "Closed from 2026/12/29 (Tue) to 2027/01/04 (Mon): 7 days added." in page
    assert page.count("年末年始") == 7
    assert ClosedDate.objects.filter(supplier=supplier).count() == 7
    assert AuditEntry.objects.filter(action="calendar.closed_dates_added").count() == 1


def test_one_closed_day_and_days_closed_already_each_get_their_message(
    admin_client: Client,
) -> None:
    one = admin_client.post(
        reverse("closed-dates-add"), {"start": "2026-05-01", "note": ""}, follow=True
    )
    again = admin_client.post(
        reverse("closed-dates-add"), {"start": "2026-05-01", "end": "2026-05-01"}, follow=True
    )

    assert "2026/05/01 (Fri) is now a closed day." in one.content.decode()
    assert "Those days were already closed. Nothing changed." in again.content.decode()
    # Friday 5/1 closed: after 4/30 the next date is 5/7.
    page = again.content.decode()
    assert page.index("2026/04/30 (Thu)") < page.index("2026/05/07 (Thu)")
    assert "2026/05/01 (Fri)</td>" in page  # in the closed list only
    assert page.count("2026/05/01 (Fri)") == 1


def test_a_period_ending_before_it_starts_keeps_the_dates_and_explains(
    admin_client: Client,
) -> None:
    response = admin_client.post(
        reverse("closed-dates-add"), {"start": "2026-08-15", "end": "2026-08-13", "note": "お盆"}
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert 'value="2026-08-15"' in page
    assert 'value="2026-08-13"' in page
    assert 'value="お盆"' in page
    assert 'id="id_end_error"' in page
    assert "The last day is before the first day." in page
    assert not ClosedDate.objects.exists()


def test_an_admin_deletes_a_closed_day(admin_client: Client, supplier: Organization) -> None:
    closed = ClosedDateFactory.create(supplier=supplier, date=date(2026, 5, 1), note="創立記念日")

    response = admin_client.post(reverse("closed-date-delete", args=[closed.pk]), follow=True)

    assert "2026/05/01 (Fri) is no longer a closed day." in response.content.decode()
    assert not ClosedDate.objects.exists()
    assert AuditEntry.objects.filter(action="calendar.closed_date_removed").count() == 1


def test_past_closed_days_are_not_listed(admin_client: Client, supplier: Organization) -> None:
    ClosedDateFactory.create(supplier=supplier, date=date(2026, 4, 27), note="棚卸し")
    ClosedDateFactory.create(supplier=supplier, date=date(2026, 8, 13), note="お盆")

    page = admin_client.get(URL).content.decode()

    assert "棚卸し" not in page
    assert "お盆" in page


def test_the_page_makes_as_many_queries_for_twenty_closed_days_as_for_one(
    admin_client: Client, supplier: Organization
) -> None:
    ClosedDateFactory.create(supplier=supplier, date=date(2026, 8, 13))
    admin_client.get(URL)  # the first request after login also touches the session
    with CaptureQueriesContext(connection) as one:
        admin_client.get(URL)
    for n in range(1, 20):
        ClosedDateFactory.create(supplier=supplier, date=date(2026, 8, 13) + timedelta(days=n))
    with CaptureQueriesContext(connection) as twenty:
        admin_client.get(URL)

    assert ClosedDate.objects.count() == 20
    assert len(twenty) == len(one)


def test_a_member_gets_403_and_nothing_changes(
    supplier_member: Membership, supplier: Organization
) -> None:
    closed = ClosedDateFactory.create(supplier=supplier, date=date(2030, 1, 2))
    client = client_for(supplier_member)

    assert client.get(URL).status_code == 403
    assert client.post(URL, SETTINGS).status_code == 403
    add = client.post(reverse("closed-dates-add"), {"start": "2030-01-03"})
    assert add.status_code == 403
    assert client.post(reverse("closed-date-delete", args=[closed.pk])).status_code == 403
    assert not DeliveryCalendar.objects.exists()
    assert list(ClosedDate.objects.values_list("date", flat=True)) == [date(2030, 1, 2)]


def test_an_outsider_cannot_delete_another_suppliers_closed_day(
    outsider: Membership, supplier: Organization
) -> None:
    closed = ClosedDateFactory.create(supplier=supplier, date=date(2030, 1, 2))
    client = client_for(outsider)

    response = client.post(reverse("closed-date-delete", args=[closed.pk]))

    assert response.status_code == 404
    assert ClosedDate.objects.filter(pk=closed.pk).exists()
    assert not AuditEntry.objects.filter(action="calendar.closed_date_removed").exists()
    # Their own page lists only their own closed days.
    assert "2030/01/02" not in client.get(URL).content.decode()


def test_an_admin_of_a_buyer_organization_gets_403() -> None:
    buyer_admin = MembershipFactory.create(organization=BuyerFactory.create(), role=Role.ADMIN)

    assert client_for(buyer_admin).get(URL).status_code == 403


def test_a_visitor_is_sent_to_the_login_page(client: Client) -> None:
    response = client.get(URL)

    assert response.status_code == 302
    assert response.headers["Location"].startswith(reverse("account_login"))
