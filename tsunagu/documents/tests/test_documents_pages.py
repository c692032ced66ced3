from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.storage import default_storage
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import client_for
from tsunagu.accounts.models import Membership, Organization, Role
from tsunagu.accounts.tests.factories import BuyerFactory, MembershipFactory
from tsunagu.audit.models import AuditEntry
from tsunagu.core.filestore import read_decrypted
from tsunagu.customers.models import Customer
from tsunagu.customers.tests.factories import CustomerFactory
from tsunagu.documents.models import Document, DocumentStatus, DocumentType
from tsunagu.documents.services import issue_credit_note
from tsunagu.documents.tests.factories import issued, line
from tsunagu.notifications.models import OutboxMessage
from tsunagu.ordering.models import Order

pytestmark = pytest.mark.django_db


def _listed(client: Client, url: str, **params: str) -> list[str]:
    """The numbers of the documents a list page shows."""
    response = client.get(url, params)
    assert response.status_code == 200
    return [document.number for document in response.context["documents"]]


# ---- the supplier's list and search ---------------------------------------------------------


@pytest.fixture
def several(supplier: Organization, customer: Customer) -> dict[str, Document]:
    """Four documents to search among: two customers, three dates, four amounts, three types."""
    other = CustomerFactory.create(
        supplier=supplier, customer_code="K900", name="喫茶かもめ", name_kana="キッサカモメ"
    )
    return {
        "small": issued(supplier, customer, lines=[line(1000)], issued_on=date(2026, 3, 31)),
        "note": issued(
            supplier,
            customer,
            doc_type=DocumentType.DELIVERY_NOTE,
            lines=[line(5000)],
            issued_on=date(2026, 4, 10),
        ),
        "big": issued(supplier, other, lines=[line(90000)], issued_on=date(2026, 4, 20)),
        "periodic": issued(
            supplier,
            other,
            doc_type=DocumentType.PERIODIC_INVOICE,
            lines=[line(20000)],
            issued_on=date(2026, 4, 30),
        ),
    }


def test_the_list_shows_every_document_newest_first(
    supplier_client: Client, several: dict[str, Document]
) -> None:
    url = reverse("supplier-documents")

    assert _listed(supplier_client, url) == [
        several["periodic"].number,
        several["big"].number,
        several["note"].number,
        several["small"].number,
    ]
    page = supplier_client.get(url).content.decode()
    assert "喫茶かもめ" in page
    assert "¥99,000" in page


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"issued_from": "2026-04-01", "issued_to": "2026-04-20"}, ["big", "note"]),
        ({"amount_min": "5,000", "amount_max": "２２０００円"}, ["periodic", "note"]),
        ({"counterparty": "K900"}, ["periodic", "big"]),
        ({"counterparty": "かもめ"}, ["periodic", "big"]),
        ({"counterparty": "テスト食堂"}, ["note", "small"]),
        ({"doc_type": "delivery_note"}, ["note"]),
        (
            {"counterparty": "K900", "doc_type": "invoice", "amount_min": "50000"},
            ["big"],
        ),
        ({"issued_from": "2026-04-01", "counterparty": "C001", "amount_max": "1000"}, []),
    ],
)
def test_the_search_combines_date_amount_counterparty_and_type(
    supplier_client: Client,
    several: dict[str, Document],
    params: dict[str, str],
    expected: list[str],
) -> None:
    assert _listed(supplier_client, reverse("supplier-documents"), **params) == [
        several[key].number for key in expected
    ]


def test_a_bad_search_field_shows_its_error_and_the_others_still_apply(
    supplier_client: Client, several: dict[str, Document]
) -> None:
    response = supplier_client.get(
        reverse("supplier-documents"), {"amount_min": "たくさん", "doc_type": "delivery_note"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["amount_min"]
    assert [d.number for d in response.context["documents"]] == [several["note"].number]
    assert 'value="たくさん"' in response.content.decode()


def test_the_list_uses_a_fixed_number_of_queries(
    supplier_client: Client, supplier: Organization, customer: Customer
) -> None:
    url = reverse("supplier-documents")
    issued(supplier, customer)
    supplier_client.get(url)
    with CaptureQueriesContext(connection) as few:
        supplier_client.get(url, {"counterparty": "C001", "amount_min": "1"})
    for _ in range(4):
        issued(supplier, CustomerFactory.create(supplier=supplier))
    with CaptureQueriesContext(connection) as many:
        response = supplier_client.get(url, {"counterparty": "C", "amount_min": "1"})

    assert len(response.context["documents"]) == 5
    assert len(many.captured_queries) == len(few.captured_queries)


# ---- the document page and its actions ----------------------------------------------------------


def test_the_document_page_shows_figures_lines_and_actions(
    supplier_client: Client, invoice: Document
) -> None:
    page = supplier_client.get(reverse("supplier-document", args=[invoice.pk])).content.decode()

    assert invoice.number in page
    assert "¥2,059" in page
    assert "米 ※" in page
    assert invoice.pdf_sha256 in page
    assert reverse("supplier-document-pdf", args=[invoice.pk]) in page
    assert reverse("supplier-document-void", args=[invoice.pk]) in page
    assert reverse("supplier-document-credit-note", args=[invoice.pk]) in page
    assert 'value="keiri@buyer.test"' in page


def test_the_page_warns_when_the_supplier_has_no_registration_number(
    supplier_client: Client, supplier: Organization, customer: Customer
) -> None:
    supplier.registration_number = ""
    supplier.save()
    document = issued(supplier, customer)

    page = supplier_client.get(reverse("supplier-document", args=[document.pk])).content.decode()

    assert "data-warning" in page


def test_the_pdf_downloads_decrypted_and_checked(
    supplier_client: Client, invoice: Document
) -> None:
    response = supplier_client.get(reverse("supplier-document-pdf", args=[invoice.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="invoice-I202604-00001.pdf"'
    assert hashlib.sha256(response.content).hexdigest() == invoice.pdf_sha256
    assert response["X-Document-SHA256"] == invoice.pdf_sha256


def test_a_tampered_pdf_is_refused_with_a_clear_error(
    supplier_client: Client, buyer_client: Client, invoice: Document
) -> None:
    # Someone replaces the stored file with another validly encrypted PDF.
    from tsunagu.core.encryption import encrypt

    other = read_decrypted(invoice.pdf_storage_name).replace(b"%PDF-", b"%PDF-", 1) + b"\n%x"
    default_storage.delete(invoice.pdf_storage_name)
    with default_storage.open(invoice.pdf_storage_name, "wb") as handle:
        handle.write(encrypt(other))

    for client, name in (
        (supplier_client, "supplier-document-pdf"),
        (buyer_client, "buyer-document-pdf"),
    ):
        response = client.get(reverse(name, args=[invoice.pk]))
        assert response.status_code == 409
        assert response["Content-Type"].startswith("text/html")
        assert invoice.number in response.content.decode()


def test_issuing_from_the_order_page(
    supplier_client: Client, order: Order, supplier_admin: Membership
) -> None:
    url = reverse("supplier-order-documents", args=[order.pk])

    first = supplier_client.post(url, {"doc_type": "delivery_note"})
    document = Document.objects.get()
    again = supplier_client.post(url, {"doc_type": "delivery_note"})
    wrong = supplier_client.post(url, {"doc_type": "credit_note"})

    assert first.status_code == 302
    assert first["Location"] == reverse("supplier-document", args=[document.pk])
    assert again["Location"] == first["Location"]
    assert wrong["Location"] == reverse("supplier-order", args=[order.pk])
    assert Document.objects.count() == 1
    assert list(document.orders.all()) == [order]


def test_sending_by_mail_from_the_page(supplier_client: Client, invoice: Document) -> None:
    url = reverse("supplier-document-mail", args=[invoice.pk])

    bad = supplier_client.post(url, {"to": "keiri"})
    assert bad.status_code == 400
    assert not OutboxMessage.objects.exists()

    response = supplier_client.post(url, {"to": "keiri@buyer.test"})

    assert response.status_code == 302
    message = OutboxMessage.objects.get()
    assert message.to == "keiri@buyer.test"
    assert message.attachments[0]["content_type"] == "application/pdf"
    invoice.refresh_from_db()
    assert invoice.status == DocumentStatus.SENT


def test_marking_paid(supplier_client: Client, invoice: Document) -> None:
    supplier_client.post(reverse("supplier-document-paid", args=[invoice.pk]))

    invoice.refresh_from_db()
    assert invoice.status == DocumentStatus.PAID


def test_voiding_needs_a_reason(supplier_client: Client, invoice: Document) -> None:
    url = reverse("supplier-document-void", args=[invoice.pk])

    refused = supplier_client.post(url, {"reason": ""})
    invoice.refresh_from_db()
    assert refused.status_code == 400
    assert invoice.status == DocumentStatus.ISSUED

    supplier_client.post(url, {"reason": "宛先を間違えた"})

    invoice.refresh_from_db()
    assert (invoice.status, invoice.void_reason) == (DocumentStatus.VOID, "宛先を間違えた")
    page = supplier_client.get(reverse("supplier-document", args=[invoice.pk])).content.decode()
    assert "宛先を間違えた" in page


def test_issuing_a_credit_note_from_the_page(supplier_client: Client, invoice: Document) -> None:
    url = reverse("supplier-document-credit-note", args=[invoice.pk])

    no_lines = supplier_client.post(url, {"reason": "返品", "line_0": "0"})
    too_many = supplier_client.post(url, {"reason": "返品", "line_1": "2"})
    assert (no_lines.status_code, too_many.status_code) == (400, 400)
    assert not invoice.corrections.exists()

    response = supplier_client.post(url, {"reason": "塩を返品", "line_2": "1"})

    note = invoice.corrections.get()
    assert response["Location"] == reverse("supplier-document", args=[note.pk])
    assert note.amount_8 == Decimal(-333)
    assert invoice.total + note.total == Decimal(1000 + 100 + 555 + 44)


def test_a_viewer_reads_but_changes_nothing(
    supplier: Organization, invoice: Document, order: Order
) -> None:
    viewer = client_for(
        MembershipFactory.create(
            organization=supplier, role=Role.VIEWER, user__email="viewer@supplier.test"
        )
    )

    assert viewer.get(reverse("supplier-document", args=[invoice.pk])).status_code == 200
    for name, data in (
        ("supplier-document-void", {"reason": "x"}),
        ("supplier-document-paid", {}),
        ("supplier-document-mail", {"to": "a@b.test"}),
        ("supplier-document-credit-note", {"reason": "x", "line_0": "1"}),
    ):
        assert viewer.post(reverse(name, args=[invoice.pk]), data).status_code == 403
    assert (
        viewer.post(
            reverse("supplier-order-documents", args=[order.pk]), {"doc_type": "invoice"}
        ).status_code
        == 403
    )
    invoice.refresh_from_db()
    assert invoice.status == DocumentStatus.ISSUED
    assert Document.objects.count() == 1


def test_a_member_may_not_void_or_correct(supplier_member: Membership, invoice: Document) -> None:
    member = client_for(supplier_member)

    assert (
        member.post(
            reverse("supplier-document-void", args=[invoice.pk]), {"reason": "x"}
        ).status_code
        == 403
    )
    assert (
        member.post(
            reverse("supplier-document-credit-note", args=[invoice.pk]),
            {"reason": "x", "line_0": "1"},
        ).status_code
        == 403
    )


# ---- the buyer ------------------------------------------------------------------------------


def test_the_buyer_sees_and_downloads_its_own_documents_only(
    buyer_client: Client,
    invoice: Document,
    supplier: Organization,
    other_supplier: Organization,
) -> None:
    stranger = CustomerFactory.create(supplier=supplier, buyer=BuyerFactory.create())
    not_ours = issued(supplier, stranger)

    assert _listed(buyer_client, reverse("buyer-documents")) == [invoice.number]
    assert _listed(buyer_client, reverse("buyer-documents"), counterparty="テスト") == [
        invoice.number
    ]
    response = buyer_client.get(reverse("buyer-document-pdf", args=[invoice.pk]))
    assert response.status_code == 200
    assert hashlib.sha256(response.content).hexdigest() == invoice.pdf_sha256
    assert buyer_client.get(reverse("buyer-document-pdf", args=[not_ours.pk])).status_code == 404


def test_the_buyer_list_uses_a_fixed_number_of_queries(
    buyer_client: Client, supplier: Organization, customer: Customer
) -> None:
    issued(supplier, customer)
    url = reverse("buyer-documents")
    buyer_client.get(url)
    with CaptureQueriesContext(connection) as few:
        buyer_client.get(url)
    for _ in range(3):
        issued(supplier, customer)
    with CaptureQueriesContext(connection) as many:
        buyer_client.get(url)

    assert len(many.captured_queries) == len(few.captured_queries)


# ---- other tenants ------------------------------------------------------------------------------


def _snapshot() -> list[tuple[object, ...]]:
    documents = Document.objects.order_by("pk").values_list("pk", "status", "void_reason", "total")
    return [*documents, (OutboxMessage.objects.count(), AuditEntry.objects.count())]


def test_another_supplier_gets_404_on_every_document_url_and_nothing_changes(
    outsider_client: Client, invoice: Document, order: Order
) -> None:
    before = _snapshot()
    doc = [invoice.pk]

    gets = [
        reverse("supplier-document", args=doc),
        reverse("supplier-document-pdf", args=doc),
    ]
    posts = [
        (reverse("supplier-document-mail", args=doc), {"to": "x@other.test"}),
        (reverse("supplier-document-sent", args=doc), {}),
        (reverse("supplier-document-paid", args=doc), {}),
        (reverse("supplier-document-void", args=doc), {"reason": "乗っ取り"}),
        (reverse("supplier-document-credit-note", args=doc), {"reason": "x", "line_0": "1"}),
        (reverse("supplier-order-documents", args=[order.pk]), {"doc_type": "invoice"}),
    ]
    for url in gets:
        assert outsider_client.get(url).status_code == 404, url
    for url, data in posts:
        assert outsider_client.post(url, data).status_code == 404, url
    assert invoice.number not in outsider_client.get(reverse("supplier-documents")).content.decode()

    assert _snapshot() == before


def test_another_buyer_gets_404_on_the_download_and_sees_nothing(
    invoice: Document, supplier: Organization
) -> None:
    other_buyer = BuyerFactory.create(code="other-buyer")
    CustomerFactory.create(supplier=supplier, buyer=other_buyer)  # the same supplier's customer
    client = client_for(
        MembershipFactory.create(organization=other_buyer, user__email="someone@other.test")
    )

    assert client.get(reverse("buyer-document-pdf", args=[invoice.pk])).status_code == 404
    assert _listed(client, reverse("buyer-documents")) == []


def test_the_buyer_cannot_use_the_supplier_pages(buyer_client: Client, invoice: Document) -> None:
    for name in ("supplier-document", "supplier-document-pdf"):
        assert buyer_client.get(reverse(name, args=[invoice.pk])).status_code in {403, 404}
    assert buyer_client.post(
        reverse("supplier-document-void", args=[invoice.pk]), {"reason": "x"}
    ).status_code in {403, 404}
    invoice.refresh_from_db()
    assert invoice.status == DocumentStatus.ISSUED


def test_the_buyer_opens_a_document_sees_what_to_pay_and_downloads_it(
    buyer_client: Client, invoice: Document, supplier_admin: Membership
) -> None:
    note = issue_credit_note(
        invoice, actor=supplier_admin, lines=[line(-555, rate=8, name="米")], reason="1袋返品"
    )

    list_page = buyer_client.get(reverse("buyer-documents")).content.decode()
    assert reverse("buyer-document", args=[invoice.pk]) in list_page
    response = buyer_client.get(reverse("buyer-document", args=[invoice.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    assert invoice.number in page
    assert f"¥{invoice.amount_due:,.0f}" in page
    assert "三井住友銀行 梅田支店" in page  # where to pay
    assert "洗剤" in page
    assert "8% ※" in page
    assert reverse("buyer-document-pdf", args=[invoice.pk]) in page
    assert reverse("buyer-document", args=[note.pk]) in page  # the credit note correcting it
    assert reverse("supplier-document", args=[invoice.pk]) not in page
    note_page = buyer_client.get(reverse("buyer-document", args=[note.pk])).content.decode()
    assert "1袋返品" in note_page
    assert reverse("buyer-document", args=[invoice.pk]) in note_page
