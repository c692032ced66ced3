"""A payment form sent twice records one payment, one after the other or at the same moment
(decision 0049-idempotent-payments, as decision 0020 for orders)."""

from __future__ import annotations

import re
import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from tsunagu.accounts.models import Membership
from tsunagu.audit.models import AuditEntry
from tsunagu.customers.models import Customer
from tsunagu.documents.models import Payment
from tsunagu.documents.payments import record_payment


def _form_key(page: str) -> str:
    match = re.search(r'name="idempotency_key" value="([0-9a-f]{32})"', page)
    assert match, "the payment form carries no key"
    return match.group(1)


@pytest.mark.django_db
def test_the_same_form_sent_twice_records_one_payment(
    supplier_client: Client, sakura: Customer
) -> None:
    page = supplier_client.get(reverse("payment-list")).content.decode()
    data = {
        "customer_code": "C001",
        "received_on": "2026-11-25",
        "amount": "12,000",
        "note": "振込",
        "idempotency_key": _form_key(page),
    }

    first = supplier_client.post(reverse("payment-list"), data)
    second = supplier_client.post(reverse("payment-list"), data, follow=True)

    assert first.status_code == 302
    assert Payment.objects.count() == 1
    assert Payment.objects.get().amount == Decimal(12000)
    assert AuditEntry.objects.filter(action="payment.recorded").count() == 1
    assert "この入金はすでに記録しています" in second.content.decode()
    # A new form gets a new key: the next payment is recorded.
    assert _form_key(second.content.decode()) != data["idempotency_key"]


@pytest.mark.django_db
def test_a_form_sent_back_with_an_error_keeps_its_key(
    supplier_client: Client, sakura: Customer
) -> None:
    page = supplier_client.get(reverse("payment-list")).content.decode()
    key = _form_key(page)

    response = supplier_client.post(
        reverse("payment-list"),
        {"customer_code": "C001", "received_on": "", "amount": "500", "idempotency_key": key},
    )

    assert response.status_code == 400
    assert _form_key(response.content.decode()) == key
    assert Payment.objects.count() == 0


@pytest.mark.django_db
def test_the_service_gives_back_the_payment_already_recorded_with_that_key(
    supplier_admin: Membership, sakura: Customer
) -> None:
    first = record_payment(
        sakura,
        actor=supplier_admin,
        received_on=date(2026, 11, 25),
        amount=Decimal(3000),
        idempotency_key="form-1",
    )
    again = record_payment(
        sakura,
        actor=supplier_admin,
        received_on=date(2026, 11, 25),
        amount=Decimal(3000),
        idempotency_key="form-1",
    )
    other = record_payment(
        sakura, actor=supplier_admin, received_on=date(2026, 11, 25), amount=Decimal(3000)
    )

    assert (first.created, again.created, other.created) == (True, False, True)
    assert again.pk == first.pk
    assert Payment.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_the_same_form_sent_twice_at_the_same_moment_records_one_payment(
    supplier_admin: Membership, sakura: Customer
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writer at a time; the race is real on PostgreSQL")
    results: list[Payment] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def tap() -> None:
        try:
            barrier.wait()
            results.append(
                record_payment(
                    sakura,
                    actor=supplier_admin,
                    received_on=date(2026, 11, 25),
                    amount=Decimal(8000),
                    idempotency_key="double-tap",
                )
            )
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=tap) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert Payment.objects.count() == 1
    assert {payment.pk for payment in results} == {Payment.objects.get().pk}
    assert sorted(payment.created for payment in results) == [False, True]
    assert AuditEntry.objects.filter(action="payment.recorded").count() == 1
