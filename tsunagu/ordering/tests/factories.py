from __future__ import annotations

from tsunagu.accounts.models import Membership, Organization, Role
from tsunagu.accounts.tests.factories import MembershipFactory
from tsunagu.customers.models import Customer, Location
from tsunagu.customers.tests.factories import CustomerFactory


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
