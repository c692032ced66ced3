from __future__ import annotations

from decimal import Decimal

import pytest

from tsunagu.accounts.models import Organization
from tsunagu.catalog.pricing import group_price, price_for
from tsunagu.catalog.tests.factories import CustomerPriceFactory, PriceGroupFactory, ProductFactory
from tsunagu.customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_resolution_order_customer_price_then_group_then_list(supplier: Organization) -> None:
    product = ProductFactory.create(supplier=supplier, unit_price=Decimal("1000"))
    group = PriceGroupFactory.create(supplier=supplier, rate=Decimal("85"))
    plain = CustomerFactory.create(supplier=supplier)
    grouped = CustomerFactory.create(supplier=supplier, price_group=group)
    special = CustomerFactory.create(supplier=supplier, price_group=group)
    CustomerPriceFactory.create(
        supplier=supplier, customer=special, product=product, unit_price=Decimal("800")
    )

    assert price_for(product, plain).unit_price == Decimal("1000")
    assert price_for(product, plain).source == "list"
    assert price_for(product, grouped).unit_price == Decimal("850")
    assert price_for(product, grouped).source == "group"
    assert price_for(product, special).unit_price == Decimal("800")
    assert price_for(product, special).source == "customer"


@pytest.mark.parametrize(
    ("list_price", "rate", "rounding", "expected"),
    [
        ("98", "85", "down", "83"),  # 83.3
        ("98", "85", "half_up", "83"),
        ("99", "85", "half_up", "84"),  # 84.15
        ("99", "85", "up", "85"),
        ("12.5", "85", "down", "10.62"),  # 10.625: a list price with sen keeps sen
        ("12.5", "85", "half_up", "10.63"),
    ],
)
def test_group_prices_follow_the_suppliers_rounding(
    list_price: str, rate: str, rounding: str, expected: str
) -> None:
    assert group_price(Decimal(list_price), Decimal(rate), rounding) == Decimal(expected)


def test_hidden_prices_still_resolve(supplier: Organization) -> None:
    product = ProductFactory.create(supplier=supplier)
    customer = CustomerFactory.create(supplier=supplier, hide_prices=True)

    price = price_for(product, customer)

    assert price.hidden
    assert price.unit_price == Decimal("100")
