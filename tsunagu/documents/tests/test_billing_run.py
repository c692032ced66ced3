"""run_billing: one periodic invoice per customer closing on a date, with the right lines and
figures, never twice."""

from __future__ import annotations

import itertools
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from tsunagu.accounts.models import Membership, Organization
from tsunagu.catalog.models import Product
from tsunagu.catalog.tests.factories import ProductFactory
from tsunagu.core.money import Rounding
from tsunagu.customers.models import MONTH_END, Customer
from tsunagu.documents import billing
from tsunagu.documents.billing import BillingError, run_billing
from tsunagu.documents.models import Document, DocumentStatus, DocumentType
from tsunagu.documents.payments import PaymentRefusedError, record_payment
from tsunagu.documents.services import issue_order_invoice, void_document
from tsunagu.documents.tests.factories import TOKYO, customer_of, move_on
from tsunagu.ordering import services as ordering
from tsunagu.ordering.models import Channel, Order, OrderStatus
from tsunagu.ordering.rules import LineRequest

pytestmark = pytest.mark.django_db

_keys = itertools.count(1)
NOV_20 = date(2026, 11, 20)
DEC_20 = date(2026, 12, 20)


def product(supplier: Organization, code: str, price: str, rate: int, unit: str = "個") -> Product:
    return ProductFactory.create(
        supplier=supplier,
        product_code=code,
        name=f"商品{code}",
        unit=unit,
        unit_price=Decimal(price),
        tax_rate=rate,
    )


def order_for(
    actor: Membership,
    customer: Customer,
    lines: list[tuple[Product, int]],
    *,
    on: date,
    status: str = OrderStatus.DELIVERED,
    confirm: dict[str, int] | None = None,
) -> Order:
    """An order taken by phone (代理入力), moved along to `status`; `confirm` maps a product code
    to the quantity actually delivered (a shortage). An order for a day already past is taken
    the day before it, so it can be shipped and delivered on its day (`move_on`)."""
    taken_on = timezone.now()
    if on < timezone.localdate():
        taken_on = datetime.combine(on - timedelta(days=1), time(9), TOKYO)
    with time_machine.travel(taken_on, tick=False):
        order = ordering.enter_order_by_proxy(
            actor=actor,
            customer=customer,
            location=customer.locations.get(is_default=True),
            lines=[LineRequest(p, quantity) for p, quantity in lines],
            delivery_date=on,
            channel=Channel.PHONE,
            idempotency_key=f"billing-{next(_keys)}",
        ).order
    for step in (OrderStatus.ACCEPTED, OrderStatus.SHIPPED, OrderStatus.DELIVERED):
        if order.status == status:
            break
        order = move_on(order, step, actor)
        if step == OrderStatus.ACCEPTED and confirm:
            order = ordering.revise_order(
                order,
                actor=actor,
                version=order.version,
                changes=[
                    ordering.LineChange(
                        "confirm", line_id=line.pk, quantity=confirm[line.product_code]
                    )
                    for line in order.lines.all()
                    if line.product_code in confirm
                ],
                reason="欠品",
            )
    return order


def figures(document: Document) -> dict[str, object]:
    return billing.invoice_summary(document, created=True)


def month_of_orders(actor: Membership, customer: Customer) -> list[Order]:
    """Deliveries around the closing date 2026-11-20 of a 20日締め customer.

    In (10-20, 11-20]: 11-05 キャベツ 198×4 (8%), 洗剤 12.5×3 (10%), 業務用洗剤 980×2 (10%);
    11-20 米 1,980 × 3 ordered, 1 delivered (8%). Outside: 10-20 and 11-21 (delivered), and
    11-10 (shipped, not delivered yet)."""
    supplier = actor.organization
    cabbage = product(supplier, "V1", "198", 8, "玉")
    soap = product(supplier, "N1", "12.5", 10, "本")
    detergent = product(supplier, "N2", "980", 10, "本")
    rice = product(supplier, "R1", "1980", 8, "袋")
    return [
        order_for(actor, customer, [(cabbage, 4), (soap, 3), (detergent, 2)], on=date(2026, 11, 5)),
        order_for(actor, customer, [(rice, 3)], on=NOV_20, confirm={"R1": 1}),
        order_for(actor, customer, [(cabbage, 100)], on=date(2026, 10, 20)),
        order_for(actor, customer, [(cabbage, 100)], on=date(2026, 11, 21)),
        order_for(
            actor, customer, [(rice, 100)], on=date(2026, 11, 10), status=OrderStatus.SHIPPED
        ),
    ]


@pytest.mark.parametrize(
    ("rounding", "expected"),
    [
        # 10%: 37 (12.5×3 rounded down) + 1,960; 8%: 792 + 1,980. Tax once per rate, rounded down.
        (
            Rounding.DOWN,
            {"amount": {"10": 1997, "8": 2772}, "tax": {"10": 199, "8": 221}, "total": 5189},
        ),
        # 12.5×3 = 37.5 → 38; 1,998 × 10% = 199.8 → 200; 2,772 × 8% = 221.76 → 222.
        (
            Rounding.HALF_UP,
            {"amount": {"10": 1998, "8": 2772}, "tax": {"10": 200, "8": 222}, "total": 5192},
        ),
    ],
)
def test_one_invoice_per_closing_customer_with_its_delivered_lines_and_figures(
    supplier: Organization,
    supplier_admin: Membership,
    rounding: str,
    expected: dict[str, object],
) -> None:
    supplier.rounding = rounding
    supplier.save(update_fields=["rounding"])
    sakura = customer_of(supplier, "C001", name="レストラン さくら", closing_day=20)
    month_end_customer = customer_of(supplier, "C002", closing_day=MONTH_END)
    orders = month_of_orders(supplier_admin, sakura)
    order_for(
        supplier_admin,
        month_end_customer,
        [(Product.objects.get(product_code="V1"), 1)],
        on=date(2026, 11, 10),
    )

    result = run_billing(supplier, closing_date=NOV_20)

    assert len(result) == 1
    ((invoice, created),) = result
    assert created is True
    assert (invoice.customer, invoice.doc_type) == (sakura, DocumentType.PERIODIC_INVOICE)
    assert (invoice.period_start, invoice.period_end) == (date(2026, 10, 21), NOV_20)
    # 20日締め翌月末払い: 12-31 is a bank holiday → the next business day.
    assert invoice.due_date == date(2027, 1, 4)
    assert invoice.issued_on == NOV_20
    summary = figures(invoice)
    assert summary["amount_by_rate"] == expected["amount"]
    assert summary["tax_by_rate"] == expected["tax"]
    assert summary["total"] == expected["total"]
    assert (summary["previous_balance"], summary["payments"]) == (0, 0)
    assert summary["amount_due"] == expected["total"]
    assert set(invoice.orders.all()) == {orders[0], orders[1]}
    assert [(line["product_code"], line["quantity"]) for line in invoice.content["lines"]] == [
        ("V1", 4),
        ("N1", 3),
        ("N2", 2),
        ("R1", 1),
    ]
    assert not Document.objects.filter(customer=month_end_customer).exists()


def test_running_again_issues_nothing_new_and_gives_the_same_figures(
    supplier: Organization, supplier_admin: Membership
) -> None:
    sakura = customer_of(supplier, "C001", closing_day=20)
    month_of_orders(supplier_admin, sakura)
    ((first, first_created),) = run_billing(supplier, closing_date=NOV_20)

    ((again, again_created),) = run_billing(supplier, closing_date=NOV_20)
    ((alone, alone_created),) = run_billing(supplier, closing_date=NOV_20, customer=sakura)

    assert (first_created, again_created, alone_created) == (True, False, False)
    assert again.pk == alone.pk == first.pk
    assert figures(again) == figures(first)
    assert Document.objects.filter(doc_type=DocumentType.PERIODIC_INVOICE).count() == 1


def test_a_customer_with_nothing_delivered_still_gets_its_invoice_for_the_record(
    supplier: Organization,
) -> None:
    customer_of(supplier, "C001", closing_day=20)

    ((invoice, created),) = run_billing(supplier, closing_date=NOV_20)

    assert created
    assert (invoice.total, invoice.amount_due, invoice.content["lines"]) == (0, 0, [])


def test_a_date_that_is_nobodys_closing_day_issues_nothing(supplier: Organization) -> None:
    customer_of(supplier, "C001", closing_day=20)
    customer_of(supplier, "C002", closing_day=MONTH_END)

    result = run_billing(supplier, closing_date=date(2026, 11, 19))

    assert (list(result), result.closing_customers) == ([], 0)
    assert not Document.objects.exists()


def test_suspended_customers_and_other_suppliers_customers_are_left_alone(
    supplier: Organization, other_supplier: Organization
) -> None:
    customer_of(supplier, "C001", closing_day=20, status=Customer.Status.SUSPENDED)
    customer_of(other_supplier, "C001", closing_day=20)

    assert run_billing(supplier, closing_date=NOV_20).closing_customers == 0
    assert not Document.objects.exists()


def test_one_customer_that_does_not_close_that_day_is_refused(supplier: Organization) -> None:
    month_end_customer = customer_of(supplier, "C002", closing_day=MONTH_END)

    with pytest.raises(BillingError, match="C002") as raised:
        run_billing(supplier, closing_date=NOV_20, customer=month_end_customer)

    assert "2026-11-30" in str(raised.value)
    assert not Document.objects.exists()


def test_a_short_month_closes_customers_of_the_29th_and_30th_too(supplier: Organization) -> None:
    # The form offers 1–28 and 末 only, but a stored 30 must not skip February.
    thirtieth = customer_of(supplier, "C030", closing_day=30)
    month_end = customer_of(supplier, "C031", closing_day=MONTH_END)
    customer_of(supplier, "C028", closing_day=28)

    assert list(billing.closing_customers(supplier, date(2027, 2, 28))) == [
        Customer.objects.get(customer_code="C028"),
        thirtieth,
        month_end,
    ]
    assert list(billing.closing_customers(supplier, date(2026, 11, 30))) == [thirtieth, month_end]


def test_payments_lower_the_next_invoices_carry_over(
    supplier: Organization, supplier_admin: Membership
) -> None:
    sakura = customer_of(supplier, "C001", closing_day=20)
    month_of_orders(supplier_admin, sakura)
    ((november, _),) = run_billing(supplier, closing_date=NOV_20)
    assert november.amount_due == Decimal(5189)
    record_payment(
        sakura, actor=supplier_admin, received_on=date(2026, 12, 1), amount=Decimal(3000)
    )
    record_payment(sakura, actor=supplier_admin, received_on=DEC_20, amount=Decimal(189))
    record_payment(
        sakura, actor=supplier_admin, received_on=date(2026, 12, 21), amount=Decimal(2000)
    )
    order_for(
        supplier_admin, sakura, [(Product.objects.get(product_code="N2"), 1)], on=date(2026, 12, 10)
    )

    ((december, created),) = run_billing(supplier, closing_date=DEC_20)

    assert created
    # The 11-21 delivery (cabbage 198 × 100, 8%) and the 12-10 one (980, 10%) fall in this period.
    assert (december.period_start, december.period_end) == (date(2026, 11, 21), DEC_20)
    assert (december.amount_8, december.amount_10) == (Decimal(19800), Decimal(980))
    assert (december.tax_8, december.tax_10) == (Decimal(1584), Decimal(98))
    assert december.previous_balance == Decimal(5189)
    assert december.payments == Decimal(3189)
    assert december.content["carry_over"] == "2000"
    assert december.amount_due == Decimal(2000 + 19800 + 980 + 1584 + 98)


def test_a_payment_dated_in_a_period_already_invoiced_is_refused(
    supplier: Organization, supplier_admin: Membership
) -> None:
    sakura = customer_of(supplier, "C001", closing_day=20)
    ((november, _),) = run_billing(supplier, closing_date=NOV_20)

    with pytest.raises(PaymentRefusedError, match=november.number):
        record_payment(sakura, actor=supplier_admin, received_on=NOV_20, amount=Decimal(1000))

    assert not sakura.payments.exists()


def test_a_void_invoice_is_issued_again_with_the_same_period(
    supplier: Organization, supplier_admin: Membership
) -> None:
    sakura = customer_of(supplier, "C001", closing_day=20)
    month_of_orders(supplier_admin, sakura)
    ((first, _),) = run_billing(supplier, closing_date=NOV_20)
    Document.objects.filter(pk=first.pk).update(status=DocumentStatus.VOID)

    ((second, created),) = run_billing(supplier, closing_date=NOV_20)

    assert created
    assert second.pk != first.pk
    assert (second.total, second.orders.count()) == (first.total, 2)


def test_an_earlier_closing_date_after_a_later_invoice_is_refused_for_that_customer(
    supplier: Organization, supplier_admin: Membership
) -> None:
    sakura = customer_of(supplier, "C001", closing_day=20)
    run_billing(supplier, closing_date=date(2026, 10, 20))
    run_billing(supplier, closing_date=DEC_20)

    result = run_billing(supplier, closing_date=NOV_20)

    assert list(result) == []
    assert [problem.customer_code for problem in result.problems] == ["C001"]
    assert "2026-12-20" in result.problems[0].message
    with pytest.raises(BillingError):
        billing.bill_customer(sakura, closing_date=NOV_20)
    assert Document.objects.count() == 2


def test_an_order_is_billed_once_even_when_its_delivery_date_moves_later(
    supplier: Organization, supplier_admin: Membership
) -> None:
    sakura = customer_of(supplier, "C001", closing_day=20)
    order = order_for(
        supplier_admin, sakura, [(product(supplier, "N2", "980", 10), 1)], on=date(2026, 11, 19)
    )
    run_billing(supplier, closing_date=NOV_20)
    Order.objects.filter(pk=order.pk).update(delivery_date=date(2026, 11, 25))

    ((december, _),) = run_billing(supplier, closing_date=DEC_20)

    assert december.total == 0
    assert december.previous_balance == Decimal(1078)


def test_an_order_already_invoiced_on_its_own_is_not_billed_again(
    supplier: Organization, supplier_admin: Membership
) -> None:
    sakura = customer_of(supplier, "C001", closing_day=20)
    detergent = product(supplier, "N2", "980", 10)
    alone = order_for(supplier_admin, sakura, [(detergent, 1)], on=date(2026, 11, 5))
    order_for(supplier_admin, sakura, [(detergent, 2)], on=date(2026, 11, 6))
    per_order = issue_order_invoice(alone, actor=supplier_admin)

    ((invoice, _),) = run_billing(supplier, closing_date=NOV_20)

    assert invoice.total == Decimal(2156)  # 980 × 2 + 10%, not the order invoiced on its own
    assert alone not in invoice.orders.all()

    void_document(per_order, actor=supplier_admin, reason="請求書の出し直し")
    billing_again = billing.billable_orders(sakura, billing.billing_period(NOV_20, 20))
    assert alone in billing_again
