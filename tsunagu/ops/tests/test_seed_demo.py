from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.test import Client, override_settings
from django.urls import reverse

from tsunagu.accounts.models import Membership, Organization, Role, User
from tsunagu.documents.models import Document, DocumentType
from tsunagu.ops.demo import DEMO_PASSWORD

pytestmark = pytest.mark.django_db

CONTRACT_LOGINS = [
    ("admin@demo-supplier.example", "demo-supplier", {Role.ADMIN}),
    ("shipping@demo-supplier.example", "demo-supplier", {Role.SHIPPING}),
    ("owner@demo-buyer.example", "demo-buyer", {Role.OWNER, Role.ADMIN}),
]


def snapshot() -> list[tuple[str, str, str]]:
    return sorted(Membership.objects.values_list("user__email", "organization__code", "role"))


def test_seed_demo_is_idempotent_and_has_every_role() -> None:
    call_command("seed_demo", verbosity=0)
    first = snapshot()
    documents = sorted(Document.objects.values_list("number", "doc_type", "total"))
    call_command("seed_demo", verbosity=0)

    assert snapshot() == first
    assert sorted(Document.objects.values_list("number", "doc_type", "total")) == documents
    kinds = {doc_type for _number, doc_type, _total in documents}
    assert {DocumentType.DELIVERY_NOTE, DocumentType.PERIODIC_INVOICE} <= kinds
    assert set(Organization.objects.filter(is_supplier=True).values_list("code", flat=True)) == {
        "demo-supplier",
        "demo-supplier-2",
    }
    assert Organization.objects.filter(is_buyer=True).count() == 3
    assert {role for _email, _code, role in first} == set(Role.values)


@pytest.mark.parametrize(("email", "code", "roles"), CONTRACT_LOGINS)
def test_demo_logins_of_the_contract_work(email: str, code: str, roles: set[Role]) -> None:
    call_command("seed_demo", verbosity=0)
    client = Client()

    response = client.post(
        reverse("account_login"), {"login": email, "password": DEMO_PASSWORD}, follow=True
    )

    homes = {
        "owner@demo-buyer.example": "buyer-home",
        "shipping@demo-supplier.example": "shipping-instructions",
    }
    home = reverse(homes.get(email, "dashboard"))
    assert response.redirect_chain[-1][0] == home
    membership = Membership.objects.get(user__email=email, organization__code=code)
    assert membership.role in roles


def test_seed_demo_keeps_a_changed_password() -> None:
    call_command("seed_demo", verbosity=0)
    user = User.objects.get(email="owner@demo-buyer.example")
    user.set_password("a new password of mine")
    user.save()

    call_command("seed_demo", verbosity=0)

    user.refresh_from_db()
    assert user.check_password("a new password of mine")


@override_settings(PRODUCTION=True)
def test_seed_demo_is_refused_in_production() -> None:
    with pytest.raises(CommandError, match="production"):
        call_command("seed_demo")

    assert not Organization.objects.exists()


def test_demo_suppliers_carry_valid_registration_numbers() -> None:
    from tsunagu.core.registration import validate_registration_number

    call_command("seed_demo", verbosity=0)

    for organization in Organization.objects.filter(is_supplier=True):
        number = organization.registration_number
        assert validate_registration_number(number, is_corporation=True) == number


def test_demo_catalog_is_complete_and_idempotent() -> None:
    from tsunagu.calendar.models import ClosedDate
    from tsunagu.catalog.models import CustomerPrice, PriceGroup, Product
    from tsunagu.customers.models import Customer

    call_command("seed_demo", verbosity=0)
    counts = [m.objects.count() for m in (Product, Customer, CustomerPrice, PriceGroup, ClosedDate)]
    call_command("seed_demo", verbosity=0)

    assert [
        m.objects.count() for m in (Product, Customer, CustomerPrice, PriceGroup, ClosedDate)
    ] == counts
    demo = Organization.objects.get(code="demo-supplier")
    rates = set(Product.objects.filter(supplier=demo).values_list("tax_rate", flat=True))
    assert rates == {8, 10}
    assert Product.objects.filter(supplier=demo).count() == 50
    sakura = Customer.objects.get(supplier=demo, customer_code="C0001")
    assert sakura.buyer is not None
    assert sakura.buyer.code == "demo-buyer"
    assert (
        Customer.objects.filter(buyer__code="demo-buyer").count() == 2
    )  # a customer of both suppliers
    assert CustomerPrice.objects.filter(customer=sakura).count() == 3
    assert ClosedDate.objects.filter(supplier=demo, note="年末年始").count() == 5


def test_the_demos_delivered_orders_arrived_on_their_delivery_day_and_are_billed() -> None:
    from django.utils import timezone

    from tsunagu.ordering.models import Order, OrderStatus

    call_command("seed_demo", verbosity=0)

    today = timezone.localdate()
    delivered = list(Order.objects.filter(status=OrderStatus.DELIVERED))
    assert delivered
    for order in delivered:
        planned = order.delivery_date or order.requested_delivery_date
        assert order.delivered_on == min(planned, today), order.number
    billed = Document.objects.filter(doc_type=DocumentType.PERIODIC_INVOICE, orders__isnull=False)
    assert billed.exists()
