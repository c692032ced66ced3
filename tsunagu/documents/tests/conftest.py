from __future__ import annotations

import pytest

from tsunagu.accounts.models import Membership, Organization
from tsunagu.customers.models import Customer
from tsunagu.documents.models import Document, DocumentType
from tsunagu.documents.tests.factories import customer_of, delivered_order, issued, line
from tsunagu.ordering.models import Order
from tsunagu.ordering.tests.factories import linked_customer

REGISTRATION_NUMBER = "T1234567890123"


@pytest.fixture
def issuer(supplier: Organization) -> Organization:
    """The shared supplier, given everything a qualified invoice prints (the same object as
    `supplier`, so tests may use either; the billing tests keep the plain one)."""
    supplier.registration_number = REGISTRATION_NUMBER
    supplier.postal_code = "530-0001"
    supplier.address = "大阪府大阪市北区梅田1-2-3"
    supplier.phone = "06-1234-5678"
    supplier.fax = "06-1234-5679"
    supplier.bank_accounts = "三井住友銀行 梅田支店 普通 1234567 テストショクヒンオロシ(カ"
    supplier.invoice_remarks = "いつもありがとうございます。"
    supplier.save()
    return supplier


@pytest.fixture
def customer(issuer: Organization, buyer: Organization) -> Customer:
    customer, _location = linked_customer(
        issuer,
        buyer,
        name="テスト食堂",
        customer_code="C001",
        address="東京都千代田区丸の内1-1",
        email="keiri@buyer.test",
    )
    return customer


@pytest.fixture
def order(supplier_admin: Membership, buyer_member: Membership, customer: Customer) -> Order:
    return delivered_order(supplier_admin, buyer_member, customer)


@pytest.fixture
def invoice(supplier: Organization, customer: Customer) -> Document:
    return issued(
        supplier,
        customer,
        doc_type=DocumentType.INVOICE,
        lines=[line(1000, name="洗剤"), line(555, rate=8, name="米"), line(333, rate=8, name="塩")],
    )


@pytest.fixture
def sakura(supplier: Organization) -> Customer:
    """A customer without a login that closes on the 20th."""
    return customer_of(supplier, "C001", name="レストラン さくら", closing_day=20)
