from __future__ import annotations

from decimal import Decimal

import factory

from tsunagu.accounts.tests.factories import SupplierFactory
from tsunagu.catalog.models import CustomerPrice, PriceGroup, Product
from tsunagu.catalog.selectors import product_search_text
from tsunagu.customers.tests.factories import CustomerFactory


class ProductFactory(factory.django.DjangoModelFactory[Product]):
    class Meta:
        model = Product
        skip_postgeneration_save = True

    supplier = factory.SubFactory(SupplierFactory)
    product_code = factory.Sequence(lambda n: f"P{n:05d}")
    name = factory.Sequence(lambda n: f"商品 {n}")
    unit_price = Decimal("100")
    tax_rate = 8

    @factory.post_generation
    def index(obj: Product, create: bool, extracted: object, **kwargs: object) -> None:  # noqa: N805
        obj.search_text = product_search_text(obj)
        if create:
            obj.save(update_fields=["search_text"])


class PriceGroupFactory(factory.django.DjangoModelFactory[PriceGroup]):
    class Meta:
        model = PriceGroup

    supplier = factory.SubFactory(SupplierFactory)
    name = factory.Sequence(lambda n: f"グループ {n}")
    rate = Decimal("85")


class CustomerPriceFactory(factory.django.DjangoModelFactory[CustomerPrice]):
    class Meta:
        model = CustomerPrice

    supplier = factory.SubFactory(SupplierFactory)
    customer = factory.SubFactory(CustomerFactory, supplier=factory.SelfAttribute("..supplier"))
    product = factory.SubFactory(ProductFactory, supplier=factory.SelfAttribute("..supplier"))
    unit_price = Decimal("90")
