from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

from tsunagu.accounts.models import Membership, Organization, Role
from tsunagu.accounts.tests.factories import MembershipFactory
from tsunagu.catalog.tests.factories import ProductFactory
from tsunagu.customers.models import Customer, Location
from tsunagu.customers.tests.factories import CustomerFactory
from tsunagu.ordering.models import CartLine


def linked_customer(
    supplier: Organization, buyer: Organization, **fields: object
) -> tuple[Customer, Location]:
    """A customer of `supplier` that is `buyer`, with its default location."""
    customer = CustomerFactory.create(supplier=supplier, buyer=buyer, **fields)
    location = Location.objects.create(
        supplier=supplier, customer=customer, name="本店", is_default=True
    )
    return customer, location


def buyer_admin(buyer: Organization) -> Membership:
    return MembershipFactory.create(
        organization=buyer, role=Role.ADMIN, user__email="boss@buyer.test"
    )


def cart_shop(
    supplier: Organization, buyer: Organization, *, sake_by_piece: bool
) -> SimpleNamespace:
    """`buyer` as the customer テスト食堂 of `supplier`, with キャベツ (V1, 玉), 玉ねぎ (V2, kg) and
    日本酒 (D1, 本, 6 a case, sold by the case and, if `sake_by_piece`, by the piece too)."""
    customer, _location = linked_customer(supplier, buyer, name="テスト食堂")
    cabbage = ProductFactory.create(
        supplier=supplier, product_code="V1", name="キャベツ", unit="玉", unit_price=Decimal(198)
    )
    onion = ProductFactory.create(
        supplier=supplier, product_code="V2", name="玉ねぎ", unit="kg", unit_price=Decimal(120)
    )
    sake = ProductFactory.create(
        supplier=supplier,
        product_code="D1",
        name="日本酒",
        unit="本",
        unit_price=Decimal(2180),
        units_per_case=6,
        sold_by_piece=sake_by_piece,
        sold_by_case=True,
    )
    return SimpleNamespace(customer=customer, cabbage=cabbage, onion=onion, sake=sake)


def cart_contents() -> list[tuple[str, str, int]]:
    """Every cart line as (product code, unit, quantity), sorted."""
    return sorted(CartLine.objects.values_list("product__product_code", "order_unit", "quantity"))
