from __future__ import annotations

import pytest

from tsunagu.accounts.models import Organization
from tsunagu.bench import generate
from tsunagu.bench.generate import Scale, sequence_gaps, shares
from tsunagu.bench.generate import generate as fill
from tsunagu.catalog.models import Product
from tsunagu.customers.models import Customer
from tsunagu.ordering.models import Order, OrderLine, OrderSequence

TINY_SCALE = Scale("test", suppliers=2, customers=6, products=40, order_lines=300, buyer_logins=2)


def test_shares_give_the_first_supplier_half_and_add_up():
    assert shares(50_000, 2) == [25_000, 25_000]
    assert shares(1_000_000, 20)[0] == 500_000
    assert sum(shares(5_001, 20)) == 5_001
    assert shares(7, 1) == [7]


@pytest.mark.django_db
def test_generate_makes_the_promised_rows_with_gap_free_numbers(monkeypatch):
    # Given a small scale and a small billing tenant (the real one has 1,000 customers)
    monkeypatch.setattr(generate, "BILLING_CUSTOMERS", 3)

    # When the database is filled
    result = fill(TINY_SCALE)

    # Then the main tenants hold exactly the counts asked for
    main = Organization.objects.filter(code__startswith="bench-s", is_supplier=True)
    assert main.count() == 2
    assert Customer.objects.filter(supplier__in=main).count() == 6
    assert Product.objects.filter(supplier__in=main).count() == 40
    assert OrderLine.objects.filter(supplier__in=main).count() == 300 == result.order_lines
    # and every supplier's numbers run from S-000001 without a gap, the sequence at the last one
    for supplier in Organization.objects.filter(is_supplier=True).exclude(code="import-s01"):
        orders = Order.objects.filter(supplier=supplier).count()
        assert sequence_gaps(supplier) == []
        assert OrderSequence.objects.get(supplier=supplier).last_number == orders
    # and subtotals are the sums of their lines
    order = (
        Order.objects.filter(supplier__in=main)
        .prefetch_related("lines")
        .get(number="S-000001", supplier__code="bench-s01")
    )
    assert order.subtotal == sum(line.amount for line in order.lines.all())
    # and the billing tenant closes at month end with 30 delivered lines per customer
    billing = Organization.objects.get(code="billing-s01")
    assert OrderLine.objects.filter(supplier=billing).count() == 3 * 30
    assert set(Customer.objects.filter(supplier=billing).values_list("closing_day", flat=True)) == {
        31
    }


@pytest.mark.django_db
def test_an_order_sent_after_generation_continues_the_series(monkeypatch):
    monkeypatch.setattr(generate, "BILLING_CUSTOMERS", 1)
    # Given a generated supplier
    fill(Scale("test", 1, 2, 10, 20, buyer_logins=0))
    supplier = Organization.objects.get(code="bench-s01")
    last = OrderSequence.objects.get(supplier=supplier).last_number

    # When the next number is taken the way send_order takes it
    from tsunagu.ordering.services import _next_number

    number = _next_number(Customer.objects.filter(supplier=supplier)[0])

    # Then it follows the generated ones
    assert number == f"S-{last + 1:06d}"
