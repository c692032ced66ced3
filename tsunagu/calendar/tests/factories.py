from __future__ import annotations

import datetime

import factory

from tsunagu.accounts.tests.factories import SupplierFactory
from tsunagu.calendar.models import ClosedDate, DeliveryCalendar


class DeliveryCalendarFactory(factory.django.DjangoModelFactory[DeliveryCalendar]):
    class Meta:
        model = DeliveryCalendar

    supplier = factory.SubFactory(SupplierFactory)


class ClosedDateFactory(factory.django.DjangoModelFactory[ClosedDate]):
    class Meta:
        model = ClosedDate

    supplier = factory.SubFactory(SupplierFactory)
    date = factory.Sequence(lambda n: datetime.date(2026, 12, 29) + datetime.timedelta(days=n))
    note = "年末年始"
