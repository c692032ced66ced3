from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction

from conftest import SmtpServer
from tsunagu.accounts.models import Membership, Organization
from tsunagu.audit.models import AuditEntry
from tsunagu.core.filestore import read_decrypted
from tsunagu.customers.models import Customer
from tsunagu.customers.tests.factories import CustomerFactory
from tsunagu.documents import numbering, services
from tsunagu.documents.issuing import MISSING_REGISTRATION_NUMBER, IssueError, issue
from tsunagu.documents.models import (
    Document,
    DocumentSequence,
    DocumentStatus,
    DocumentType,
    FrozenDocumentError,
)
from tsunagu.documents.tests.factories import delivered_order, issued, line
from tsunagu.notifications.models import OutboxMessage
from tsunagu.ordering.models import Order, OrderStatus

pytestmark = pytest.mark.django_db
TODAY = date(2026, 4, 25)


# ---- figures ---------------------------------------------------------------------------------


def test_tax_is_rounded_once_per_rate_on_the_sum_never_per_line(
    supplier: Organization, customer: Customer
) -> None:
    # Given three 8% lines whose per-line taxes (44.4 each → 44 + 44 + 44 = 132) differ from
    # the tax of their sum (1665 × 8% = 133.2 → 133), and a 10% line
    supplier.rounding = "half_up"
    supplier.save()

    document = issued(
        supplier,
        customer,
        lines=[line(1005), line(555, rate=8), line(555, rate=8), line(555, rate=8)],
        previous_balance=Decimal(3000),
        payments=Decimal(1000),
    )

    assert (document.amount_10, document.tax_10) == (Decimal(1005), Decimal(101))
    assert (document.amount_8, document.tax_8) == (Decimal(1665), Decimal(133))
    assert document.total == Decimal(1005 + 101 + 1665 + 133)
    assert document.amount_due == Decimal(3000 - 1000) + document.total
    assert document.content["tax_by_rate"] == {"10": "101", "8": "133"}
    assert document.content["amount_by_rate"] == {"10": "1005", "8": "1665"}
    assert document.content["carry_over"] == "2000"


def test_rounding_mode_is_the_suppliers(supplier: Organization, customer: Customer) -> None:
    results = {}
    for mode in ("down", "half_up", "up"):
        supplier.rounding = mode
        supplier.save()
        document = issued(supplier, customer, lines=[line(1005), line(1005, rate=8)])
        results[mode] = (document.tax_10, document.tax_8)

    assert results == {
        "down": (Decimal(100), Decimal(80)),
        "half_up": (Decimal(101), Decimal(80)),
        "up": (Decimal(101), Decimal(81)),
    }


def test_the_content_is_frozen_as_data(
    supplier: Organization, customer: Customer, supplier_admin: Membership
) -> None:
    document = issue(
        actor=supplier_admin,
        supplier=supplier,
        customer=customer,
        doc_type=DocumentType.PERIODIC_INVOICE,
        lines=[line(1000, name="洗剤"), line(540, rate=8, name="米", on=date(2026, 4, 2))],
        issued_on=date(2026, 4, 20),
        period=(date(2026, 3, 21), date(2026, 4, 20)),
        due_date=date(2026, 5, 31),
    )
    content = document.content

    assert content["title"] == "合計請求書"
    assert content["issuer"]["name"] == "テスト食品卸 株式会社"
    assert content["issuer"]["registration_number"] == "T1234567890123"
    assert content["issuer"]["address"] == "大阪府大阪市北区梅田1-2-3"
    assert content["recipient"] == {
        "name": "テスト食堂",
        "customer_code": "C001",
        "postal_code": "",
        "address": "東京都千代田区丸の内1-1",
        "registration_number": "",
    }
    assert [(row["product_name"], row["is_reduced_rate"]) for row in content["lines"]] == [
        ("洗剤", False),
        ("米", True),
    ]
    assert content["period"] == {"start": "2026-03-21", "end": "2026-04-20"}
    assert content["due_date"] == "2026-05-31"
    assert content["bank_accounts"] == [
        "三井住友銀行 梅田支店 普通 1234567 テストショクヒンオロシ(カ"
    ]
    assert content["remarks"] == "いつもありがとうございます。"
    assert content["is_qualified_invoice"] is True  # "invoice" (the default) covers both kinds
    assert document.issued_by == supplier_admin.user
    # Changing the organization later does not change the issued document.
    supplier.name = "新社名"
    supplier.save()
    document.refresh_from_db()
    assert document.content["issuer"]["name"] == "テスト食品卸 株式会社"


def test_the_pdf_is_stored_encrypted_with_its_sha256_and_the_issue_is_audited(
    invoice: Document,
) -> None:
    with default_storage.open(invoice.pdf_storage_name, "rb") as handle:
        raw = handle.read()
    pdf = read_decrypted(invoice.pdf_storage_name)

    assert not raw.startswith(b"%PDF")
    assert pdf.startswith(b"%PDF-")
    assert hashlib.sha256(pdf).hexdigest() == invoice.pdf_sha256
    entry = AuditEntry.objects.get(action="document.issued", target_id=str(invoice.pk))
    assert entry.changes["number"] == invoice.number
    assert entry.changes["pdf_sha256"] == invoice.pdf_sha256


def test_bad_input_is_refused_and_nothing_is_numbered(
    supplier: Organization, customer: Customer, other_supplier: Organization
) -> None:
    with pytest.raises(IssueError, match="neither 10 nor 8"):
        issued(supplier, customer, lines=[line(100, rate=5)])
    with pytest.raises(IssueError, match="whole yen"):
        issued(supplier, customer, lines=[line(Decimal("100.5"))])
    with pytest.raises(IssueError, match="another supplier"):
        issued(other_supplier, customer)
    with pytest.raises(IssueError, match="at least one line"):
        issued(supplier, customer, lines=[])

    assert not Document.objects.exists()
    assert not DocumentSequence.objects.filter(last_number__gt=0).exists()


# ---- qualified invoices -----------------------------------------------------------------------


def test_the_document_named_by_the_supplier_is_the_qualified_invoice(
    supplier: Organization, customer: Customer
) -> None:
    supplier.qualified_invoice_document = DocumentType.DELIVERY_NOTE
    supplier.save()

    note = issued(supplier, customer, doc_type=DocumentType.DELIVERY_NOTE)
    invoice = issued(supplier, customer, doc_type=DocumentType.INVOICE)
    credit = issue(
        actor=None,
        supplier=supplier,
        customer=customer,
        doc_type=DocumentType.CREDIT_NOTE,
        lines=[line(-500, rate=8, name="米")],
        issued_on=TODAY,
        original=note,
        reason="返品",
    )

    assert (note.is_qualified_invoice, invoice.is_qualified_invoice) == (True, False)
    assert credit.is_qualified_invoice is True


@pytest.mark.parametrize(
    ("setting", "qualified"),
    [
        (DocumentType.INVOICE, {DocumentType.INVOICE, DocumentType.PERIODIC_INVOICE}),
        (DocumentType.PERIODIC_INVOICE, {DocumentType.PERIODIC_INVOICE}),
        (DocumentType.DELIVERY_NOTE, {DocumentType.DELIVERY_NOTE}),
    ],
)
def test_by_default_both_kinds_of_invoice_are_qualified_invoices(
    supplier: Organization, customer: Customer, setting: str, qualified: set[str]
) -> None:
    supplier.qualified_invoice_document = setting
    supplier.save()
    kinds = (
        DocumentType.INVOICE,
        DocumentType.PERIODIC_INVOICE,
        DocumentType.DELIVERY_NOTE,
        DocumentType.SHIPPING_SLIP,
    )

    issued_as = {kind: issued(supplier, customer, doc_type=kind) for kind in kinds}

    assert {kind for kind, doc in issued_as.items() if doc.is_qualified_invoice} == qualified


def test_a_qualified_invoice_without_registration_number_is_issued_with_a_warning(
    supplier: Organization, customer: Customer
) -> None:
    supplier.registration_number = ""
    supplier.save()

    document = issued(supplier, customer, doc_type=DocumentType.INVOICE)
    other = issued(supplier, customer, doc_type=DocumentType.DELIVERY_NOTE)

    assert document.is_qualified_invoice is True
    assert document.warnings == [MISSING_REGISTRATION_NUMBER]  # type: ignore[attr-defined]
    assert document.content["warnings"] == [MISSING_REGISTRATION_NUMBER]
    assert other.content["warnings"] == []


def test_a_customer_without_registration_number_is_fine(
    supplier: Organization, customer: Customer
) -> None:
    assert customer.registration_number == ""
    assert issued(supplier, customer).content["warnings"] == []


# ---- numbering --------------------------------------------------------------------------------


def test_numbers_follow_the_per_type_default_format_without_gaps(
    supplier: Organization, customer: Customer
) -> None:
    numbers = [
        issued(supplier, customer, doc_type=doc_type).number
        for doc_type in (
            DocumentType.INVOICE,
            DocumentType.INVOICE,
            DocumentType.DELIVERY_NOTE,
            DocumentType.SHIPPING_SLIP,
            DocumentType.PERIODIC_INVOICE,
            DocumentType.INVOICE,
        )
    ]

    assert numbers == [
        "I202604-00001",
        "I202604-00002",
        "D202604-00001",
        "S202604-00001",
        "P202604-00001",
        "I202604-00003",
    ]
    for doc_type in DocumentType.values:
        assert numbering.missing_sequences(supplier, doc_type) == []


def test_a_supplier_sets_its_own_format(supplier: Organization, customer: Customer) -> None:
    sequence = numbering.sequence_for(supplier, DocumentType.INVOICE)
    sequence.number_format = "請{Y}-{M}{D}/{seq:03}"
    sequence.save()

    first = issued(supplier, customer, issued_on=date(2026, 12, 5))
    second = issued(supplier, customer, issued_on=date(2027, 1, 9))

    assert (first.number, second.number) == ("請2026-1205/001", "請2027-0109/002")


def test_a_rolled_back_issue_gives_its_number_back(
    supplier: Organization, customer: Customer
) -> None:
    issued(supplier, customer)

    def issue_then_fail() -> None:
        with transaction.atomic():
            issued(supplier, customer)
            raise RuntimeError("the caller's transaction fails after issuing")

    with pytest.raises(RuntimeError):
        issue_then_fail()

    assert issued(supplier, customer).number == "I202604-00002"
    assert numbering.missing_sequences(supplier, DocumentType.INVOICE) == []


def test_each_supplier_counts_on_its_own(
    supplier: Organization, customer: Customer, other_supplier: Organization
) -> None:
    issued(supplier, customer)
    elsewhere = issued(other_supplier, CustomerFactory.create(supplier=other_supplier))

    assert elsewhere.number == "I202604-00001"


def test_number_formats_are_checked() -> None:
    assert numbering.validate_number_format("INV-{Y}{M}-{seq:06}") == "INV-{Y}{M}-{seq:06}"
    with pytest.raises(ValidationError) as no_seq:
        numbering.validate_number_format("INV-{Y}{M}")
    with pytest.raises(ValidationError) as unknown:
        numbering.validate_number_format("{seq}-{user.__class__}")

    assert no_seq.value.code == "no_seq"
    assert unknown.value.code == "unknown_placeholder"
    assert numbering.format_number("{seq}", 7, TODAY) == "7"


# ---- immutability -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("total", Decimal(1)),
        ("tax_8", Decimal(0)),
        ("number", "I202604-99999"),
        ("pdf_sha256", "0" * 64),
        ("issued_on", date(2020, 1, 1)),
    ],
)
def test_an_issued_document_refuses_changes_to_frozen_fields(
    invoice: Document, field: str, value: object
) -> None:
    before = Document.objects.values().get(pk=invoice.pk)
    setattr(invoice, field, value)

    with pytest.raises(FrozenDocumentError):
        invoice.save()
    with pytest.raises(FrozenDocumentError):
        invoice.save(update_fields=[field])
    with pytest.raises(FrozenDocumentError):
        Document.objects.filter(pk=invoice.pk).update(**{field: value})

    assert Document.objects.values().get(pk=invoice.pk) == before


def test_the_frozen_content_cannot_be_edited_in_place_nor_deleted(invoice: Document) -> None:
    invoice.content["lines"][0]["amount"] = "1"

    with pytest.raises(FrozenDocumentError):
        invoice.save()
    with pytest.raises(FrozenDocumentError):
        invoice.delete()
    invoice.refresh_from_db()
    assert invoice.content["lines"][0]["amount"] == "1000"


def test_status_changes_are_allowed(invoice: Document) -> None:
    invoice.status = DocumentStatus.SENT
    invoice.save(update_fields=["status", "updated_at"])
    Document.objects.filter(pk=invoice.pk).update(status=DocumentStatus.PAID)

    invoice.refresh_from_db()
    assert invoice.status == DocumentStatus.PAID


# ---- from an order ----------------------------------------------------------------------------


@time_machine.travel(date(2026, 4, 25), tick=False)
def test_a_delivery_note_prints_the_order_as_delivered(
    order: Order, supplier_admin: Membership
) -> None:
    document = services.issue_delivery_note(order, actor=supplier_admin)

    assert document.doc_type == DocumentType.DELIVERY_NOTE
    assert document.issued_on == date(2026, 4, 25)
    assert list(document.orders.all()) == [order]
    assert [
        (row["product_name"], row["quantity"], row["unit_price"], row["amount"], row["tax_rate"])
        for row in document.content["lines"]
    ] == [("キャベツ", 4, "198", "792", 8), ("食器用洗剤", 3, "12.5", "37", 10)]
    assert document.content["ship_to"]["name"] == "本店"
    assert document.content["lines"][0]["delivered_on"] == "2026-04-21"
    assert (document.amount_8, document.tax_8, document.amount_10, document.tax_10) == (
        Decimal(792),
        Decimal(63),
        Decimal(37),
        Decimal(3),
    )


def test_a_shortage_and_the_shipping_fee_are_printed(
    order: Order, supplier_admin: Membership
) -> None:
    cabbage = order.lines.get(product_name="キャベツ")
    cabbage.confirmed_quantity = 0
    cabbage.amount = Decimal(0)
    cabbage.save()
    Order.objects.filter(pk=order.pk).update(shipping_fee=Decimal(500))
    order.refresh_from_db()

    document = services.issue_delivery_note(order, actor=supplier_admin)

    assert [(row["product_name"], row["amount"]) for row in document.content["lines"]] == [
        ("食器用洗剤", "37"),
        ("送料", "500"),
    ]
    assert document.amount_10 == Decimal(537)


@time_machine.travel(date(2026, 4, 25), tick=False)
def test_an_order_gets_one_document_of_each_kind(order: Order, supplier_admin: Membership) -> None:
    note = services.issue_delivery_note(order, actor=supplier_admin)

    with pytest.raises(services.AlreadyIssuedError) as again:
        services.issue_delivery_note(order, actor=supplier_admin)

    assert again.value.document == note
    assert services.issue_shipping_slip(order, actor=supplier_admin).doc_type == "shipping_slip"
    services.void_document(note, actor=supplier_admin, reason="印刷ミス")
    assert services.issue_delivery_note(order, actor=supplier_admin).number == "D202604-00002"


@time_machine.travel(date(2026, 4, 25), tick=False)
def test_a_per_order_invoice_is_due_by_the_customers_terms(
    order: Order, supplier_admin: Membership, customer: Customer
) -> None:
    customer.closing_day = 20
    customer.payment_month_offset = 1
    customer.payment_day = 31
    customer.save()
    order.refresh_from_db()

    document = services.issue_order_invoice(order, actor=supplier_admin)

    # Delivered 4/21, after the 4/20 closing: closes 5/20, paid at the end of June.
    assert document.due_date == date(2026, 6, 30)
    assert document.is_qualified_invoice is True


def test_an_order_already_on_a_periodic_invoice_gets_no_per_order_invoice(
    order: Order, supplier_admin: Membership, supplier: Organization, customer: Customer
) -> None:
    issued(supplier, customer, doc_type=DocumentType.PERIODIC_INVOICE, orders=[order])

    with pytest.raises(services.AlreadyIssuedError):
        services.issue_order_invoice(order, actor=supplier_admin)


def test_documents_wait_for_the_order_to_be_accepted(
    supplier_admin: Membership, buyer_member: Membership, customer: Customer
) -> None:
    submitted = delivered_order(
        supplier_admin, buyer_member, customer, status=OrderStatus.SUBMITTED
    )

    with pytest.raises(services.DocumentError):
        services.issue_delivery_note(submitted, actor=supplier_admin)
    assert not Document.objects.exists()


def test_another_supplier_cannot_issue_for_the_order(order: Order, outsider: Membership) -> None:
    with pytest.raises(PermissionError):
        services.issue_delivery_note(order, actor=outsider)
    assert not Document.objects.exists()


# ---- corrections ------------------------------------------------------------------------------


def test_a_credit_note_takes_back_part_of_the_original_and_they_net_to_the_correction(
    invoice: Document, supplier_admin: Membership, supplier: Organization, customer: Customer
) -> None:
    # The invoice: 洗剤 1000 (10%), 米 555 (8%), 塩 333 (8%); take 塩 back entirely.
    note = services.issue_credit_note(
        invoice,
        actor=supplier_admin,
        lines=services.credit_lines(invoice, [services.CreditQuantity(2, 1)]),
        reason="塩を返品",
    )
    corrected = issued(supplier, customer, lines=[line(1000), line(555, rate=8)])

    assert note.doc_type == DocumentType.CREDIT_NOTE
    assert note.original == invoice
    assert note.number.startswith("C")
    assert (note.amount_8, note.amount_10) == (Decimal(-333), Decimal(0))
    assert note.content["original"]["number"] == invoice.number
    assert note.content["reason"] == "塩を返品"
    assert invoice.total + note.total == corrected.total
    assert invoice.tax_8 + note.tax_8 == corrected.tax_8
    assert AuditEntry.objects.filter(action="document.issued", target_id=str(note.pk)).exists()


def test_a_line_taken_back_in_parts_nets_to_exactly_its_amount(
    supplier: Organization, customer: Customer, supplier_admin: Membership
) -> None:
    # 3 × ¥12.5 = 37.5 → ¥37 (rounded down); one at a time: 12, 12, then the 13 that is left.
    original = issued(supplier, customer, lines=[line(37, quantity=3, unit_price=Decimal("12.5"))])
    notes = [
        services.issue_credit_note(
            original,
            actor=supplier_admin,
            lines=services.credit_lines(original, [services.CreditQuantity(0, 1)]),
            reason="返品",
        )
        for _ in range(3)
    ]

    assert [note.amount_10 for note in notes] == [Decimal(-12), Decimal(-12), Decimal(-13)]
    assert original.total + sum(note.total for note in notes) == 0
    assert services.taken_by_line(original) == {0: (3, Decimal(37))}
    with pytest.raises(services.DocumentError):
        services.credit_lines(original, [services.CreditQuantity(0, 1)])


def test_a_credit_note_cannot_take_back_more_than_is_left(
    invoice: Document, supplier_admin: Membership
) -> None:
    services.issue_credit_note(
        invoice,
        actor=supplier_admin,
        lines=services.credit_lines(invoice, [services.CreditQuantity(0, 1)]),
        reason="返品",
    )

    with pytest.raises(services.DocumentError):
        services.issue_credit_note(
            invoice,
            actor=supplier_admin,
            lines=services.credit_lines(invoice, [services.CreditQuantity(0, 1)]),
            reason="二重返品",
        )
    with pytest.raises(services.DocumentError):
        services.credit_lines(invoice, [services.CreditQuantity(1, 2)])
    assert invoice.corrections.count() == 1


def test_a_credit_note_needs_a_reason_and_a_live_original(
    invoice: Document, supplier_admin: Membership
) -> None:
    lines = services.credit_lines(invoice, [services.CreditQuantity(0, 1)])
    with pytest.raises(services.DocumentError):
        services.issue_credit_note(invoice, actor=supplier_admin, lines=lines, reason=" ")
    services.void_document(invoice, actor=supplier_admin, reason="宛先違い")
    with pytest.raises(services.DocumentError):
        services.issue_credit_note(invoice, actor=supplier_admin, lines=lines, reason="返品")

    assert not invoice.corrections.exists()


def test_voiding_keeps_the_row_with_its_reason(
    invoice: Document, supplier_admin: Membership
) -> None:
    with pytest.raises(services.DocumentError):
        services.void_document(invoice, actor=supplier_admin, reason="")

    services.void_document(invoice, actor=supplier_admin, reason="宛先違い")

    invoice.refresh_from_db()
    assert (invoice.status, invoice.void_reason) == (DocumentStatus.VOID, "宛先違い")
    assert invoice.number == "I202604-00001"
    entry = AuditEntry.objects.get(action="document.voided")
    assert entry.changes["reason"] == "宛先違い"


def test_an_original_with_a_credit_note_in_force_is_not_voided(
    invoice: Document, supplier_admin: Membership, supplier_member: Membership
) -> None:
    note = services.issue_credit_note(
        invoice,
        actor=supplier_admin,
        lines=services.credit_lines(invoice, [services.CreditQuantity(0, 1)]),
        reason="返品",
    )
    with pytest.raises(services.DocumentError):
        services.void_document(invoice, actor=supplier_admin, reason="取消")
    with pytest.raises(PermissionError):
        services.void_document(note, actor=supplier_member, reason="取消")

    services.void_document(note, actor=supplier_admin, reason="取消")
    services.void_document(invoice, actor=supplier_admin, reason="取消")


def test_status_moves_are_data(invoice: Document, supplier_admin: Membership) -> None:
    services.mark_sent(invoice, actor=supplier_admin)
    services.mark_paid(invoice, actor=supplier_admin)
    services.mark_paid(invoice, actor=supplier_admin)  # a second tap changes nothing

    with pytest.raises(services.DocumentError):
        services.void_document(invoice, actor=supplier_admin, reason="取消")
    with pytest.raises(services.DocumentError):
        services.mark_sent(invoice, actor=supplier_admin)
    invoice.refresh_from_db()
    assert invoice.status == DocumentStatus.PAID
    assert list(
        AuditEntry.objects.filter(target_id=str(invoice.pk))
        .order_by("sequence")
        .values_list("action", flat=True)
    ) == ["document.issued", "document.sent", "document.paid"]


def test_only_invoices_are_marked_paid(
    supplier: Organization, customer: Customer, supplier_admin: Membership
) -> None:
    note = issued(supplier, customer, doc_type=DocumentType.DELIVERY_NOTE)
    with pytest.raises(services.DocumentError):
        services.mark_paid(note, actor=supplier_admin)


# ---- mail -------------------------------------------------------------------------------------


def test_sending_queues_a_mail_with_the_pdf_and_the_real_server_receives_it(
    invoice: Document,
    supplier_admin: Membership,
    smtp_server: SmtpServer,
    run_tasks: Callable[[], int],
) -> None:
    services.send_by_mail(invoice, actor=supplier_admin, to="keiri@buyer.test")

    message = OutboxMessage.objects.get()
    assert message.attachments == [
        {
            "storage_name": invoice.pdf_storage_name,
            "filename": "invoice-I202604-00001.pdf",
            "content_type": "application/pdf",
            "sha256": invoice.pdf_sha256,
        }
    ]
    invoice.refresh_from_db()
    assert invoice.status == DocumentStatus.SENT

    run_tasks()

    (received,) = smtp_server.messages
    assert received["To"] == "keiri@buyer.test"
    assert invoice.number in received["Subject"]
    (attachment,) = list(received.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == "invoice-I202604-00001.pdf"
    assert attachment.get_content() == read_decrypted(invoice.pdf_storage_name)


def test_a_changed_pdf_is_never_mailed(
    invoice: Document,
    supplier_admin: Membership,
    smtp_server: SmtpServer,
    run_tasks: Callable[[], int],
) -> None:
    services.send_by_mail(invoice, actor=supplier_admin, to="keiri@buyer.test")
    default_storage.delete(invoice.pdf_storage_name)
    with default_storage.open(invoice.pdf_storage_name, "wb") as handle:
        handle.write(b"TSG1" + b"\0" * 60)

    run_tasks()

    assert smtp_server.messages == []
    message = OutboxMessage.objects.get()
    assert message.status == OutboxMessage.Status.FAILED
    assert "AttachmentError" in message.last_error


def test_mail_needs_an_address_and_a_live_document(
    invoice: Document, supplier_admin: Membership
) -> None:
    with pytest.raises(services.DocumentError):
        services.send_by_mail(invoice, actor=supplier_admin, to="not an address")
    services.void_document(invoice, actor=supplier_admin, reason="取消")
    with pytest.raises(services.DocumentError):
        services.send_by_mail(invoice, actor=supplier_admin, to="keiri@buyer.test")

    assert not OutboxMessage.objects.exists()
