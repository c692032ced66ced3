from __future__ import annotations

import factory

from tsunagu.accounts.tests.factories import SupplierFactory
from tsunagu.customers.models import Customer


class CustomerFactory(factory.django.DjangoModelFactory[Customer]):
    class Meta:
        model = Customer

    supplier = factory.SubFactory(SupplierFactory)
    customer_code = factory.Sequence(lambda n: f"C{n:04d}")
    name = factory.Sequence(lambda n: f"得意先 {n}")
    name_kana = factory.Sequence(lambda n: f"トクイサキ{n}")
