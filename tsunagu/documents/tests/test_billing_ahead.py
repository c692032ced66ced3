"""Billing runs draft and render their invoices ahead of the transactions that issue them."""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

import pytest

from tsunagu.accounts.models import Membership, Organization
from tsunagu.core.filestore import read_decrypted
from tsunagu.documents import billing, numbering
from tsunagu.documents.billing import run_billing
from tsunagu.documents.models import Document, DocumentType
from tsunagu.documents.tests.test_billing_run import customer_of, order_for, product

pytestmark = pytest.mark.django_db

NOV_20 = date(2026, 11, 20)


def _customers_with_orders(actor: Membership, count: int) -> list[str]:
    supplier = actor.organization
    cabbage = product(supplier, "V1", "198", 8, "玉")
    soap = product(supplier, "N1", "12.5", 10, "本")
    codes = []
    for n in range(count):
        customer = customer_of(supplier, f"C{n:03d}", closing_day=20)
        order_for(actor, customer, [(cabbage, n + 1), (soap, 3)], on=date(2026, 11, 5))
        codes.append(customer.customer_code)
    return codes


def _issued_in_order(supplier: Organization) -> list[tuple[str, str]]:
    documents = Document.objects.filter(
        supplier=supplier, doc_type=DocumentType.PERIODIC_INVOICE
    ).order_by("created_at")
    for document in documents:
        # Each PDF is the one issued: it decrypts, matches its hash and names its number.
        data = read_decrypted(document.pdf_storage_name)
        assert hashlib.sha256(data).hexdigest() == document.pdf_sha256
    return [(d.customer.customer_code, d.number) for d in documents]


def test_a_big_run_renders_in_worker_processes_and_issues_in_order_without_gaps(
    supplier: Organization, supplier_admin: Membership, settings: Any
) -> None:
    settings.DOCUMENT_RENDER_PROCESSES = 2
    settings.DOCUMENT_RENDER_PARALLEL_FROM = 3
    codes = _customers_with_orders(supplier_admin, 5)

    result = run_billing(supplier, closing_date=NOV_20)

    assert result.created_count == 5
    assert result.problems == []
    issued = _issued_in_order(supplier)
    assert [code for code, _number in issued] == codes
    assert [number for _code, number in issued] == [f"P202611-{n:05d}" for n in range(1, 6)]
    assert numbering.missing_sequences(supplier, DocumentType.PERIODIC_INVOICE) == []


def test_a_wrong_guess_of_the_next_number_is_drafted_again_and_nothing_is_skipped(
    supplier: Organization,
    supplier_admin: Membership,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Another run takes a number in the middle of this one: the drafts made for the numbers
    after it are dropped, and every invoice still gets the next number in turn."""
    codes = _customers_with_orders(supplier_admin, 4)
    real_bill = billing.bill_customer
    calls = {"n": 0}

    def bill_while_another_run_takes_a_number(customer: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 2:
            counter = numbering.lock_sequence(supplier, DocumentType.PERIODIC_INVOICE)
            counter.last_number += 1  # as if another document took it
            counter.save(update_fields=["last_number"])
        return real_bill(customer, **kwargs)

    monkeypatch.setattr(billing, "bill_customer", bill_while_another_run_takes_a_number)

    result = run_billing(supplier, closing_date=NOV_20)

    assert result.created_count == 4
    issued = _issued_in_order(supplier)
    assert [code for code, _number in issued] == codes
    assert [number for _code, number in issued] == [
        "P202611-00001",
        "P202611-00003",
        "P202611-00004",
        "P202611-00005",
    ]


def test_a_plan_that_changed_after_its_draft_is_issued_as_it_is_now(
    supplier: Organization,
    supplier_admin: Membership,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An order delivered between the draft and the transaction is on the invoice."""
    _customers_with_orders(supplier_admin, 1)
    real_draft = billing._draft_ahead

    def draft_then_deliver(target: Any, **kwargs: Any) -> Any:
        prepared = real_draft(target, **kwargs)
        order_for(
            supplier_admin,
            target,
            [(product(supplier, "R1", "1980", 8, "袋"), 1)],
            on=date(2026, 11, 19),
        )
        return prepared

    monkeypatch.setattr(billing, "_draft_ahead", draft_then_deliver)

    ((invoice, created),) = run_billing(supplier, closing_date=NOV_20)

    assert created
    assert invoice.orders.count() == 2
    assert "R1" in {line["product_code"] for line in invoice.content["lines"]}
    assert invoice.number == "P202611-00001"
