"""Customers and products the order import and export tests share."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest

from tsunagu.accounts.models import Organization
from tsunagu.catalog.models import Product
from tsunagu.catalog.tests.factories import CustomerPriceFactory, ProductFactory
from tsunagu.customers.models import Customer, Location
from tsunagu.customers.tests.factories import CustomerFactory


def customer_with_location(
    supplier: Organization, buyer: Organization | None, **fields: object
) -> Customer:
    """A customer with its default location, as every customer made by the app has."""
    customer = CustomerFactory.create(supplier=supplier, buyer=buyer, **fields)
    Location.objects.create(supplier=supplier, customer=customer, name="本店", is_default=True)
    return customer


@dataclass
class Shop:
    supplier: Organization
    sakura: Customer
    hanamichi: Customer
    dashi: Product
    cabbage: Product
    detergent: Product


@pytest.fixture
def shop(supplier: Organization, buyer: Organization) -> Shop:
    """C001 has a login (linked to `buyer`) and its own price for P001; C002 has none."""
    sakura = customer_with_location(supplier, buyer, customer_code="C001", name="㈱ﾚｽﾄﾗﾝ髙﨑")
    hanamichi = customer_with_location(supplier, None, customer_code="C002", name="居酒屋 はなみち")
    dashi = ProductFactory.create(
        supplier=supplier,
        product_code="P001",
        name="髙﨑㈱ 特製だし～極み～",
        unit="本",
        unit_price=Decimal("12.5"),
        tax_rate=8,
    )
    cabbage = ProductFactory.create(
        supplier=supplier,
        product_code="P002",
        name="キャベツ ①玉",
        unit="玉",
        unit_price=Decimal("150"),
        tax_rate=8,
    )
    detergent = ProductFactory.create(
        supplier=supplier,
        product_code="P003",
        name="業務用洗剤 5L",
        unit="本",
        unit_price=Decimal("980"),
        tax_rate=10,
    )
    CustomerPriceFactory.create(
        supplier=supplier, customer=sakura, product=dashi, unit_price=Decimal("11.5")
    )
    return Shop(supplier, sakura, hanamichi, dashi, cabbage, detergent)
