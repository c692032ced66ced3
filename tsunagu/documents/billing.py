"""Billing by closing day (DESIGN.md §4): closing dates, periods, due dates, and the run that
issues one periodic invoice (合計請求書) per customer closing on a date.

The date arithmetic and the figures are pure functions (no database, no clock). The run reads the
delivered orders, credit notes and payments of each customer (decision 0031), then asks
`issuing.issue` to number, freeze, render and store the invoice. It is safe to run again: an
invoice already issued for a customer and closing date is returned as it is (looked up first,
and the unique constraint `documents_one_periodic_invoice_per_period` settles a race).
"""

from __future__ import annotations

import calendar
import logging
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from tsunagu.accounts.models import Membership, Organization
from tsunagu.audit import services as audit
from tsunagu.calendar.engine import is_public_holiday
from tsunagu.core.tax import amounts_by_rate, tax_by_rate
from tsunagu.customers.models import Customer
from tsunagu.documents import issuing, selectors
from tsunagu.documents.issuing import DocLine
from tsunagu.documents.models import BillingRun, Document, DocumentStatus, DocumentType, Payment
from tsunagu.ops import leases
from tsunagu.ops import selectors as ops
from tsunagu.ordering.models import TRANSACTION_DATE_FIELDS, Order, OrderStatus

logger = logging.getLogger(__name__)

_ONE_DAY = timedelta(days=1)
# A second start for a date while a run for it is going shows that run instead, for this long.
RUN_REUSED_FOR = timedelta(hours=1)

# Banks in Japan are closed from 31 December to 3 January (1 January is also a public holiday):
# money cannot arrive on those days, so a due date is moved off them like off a weekend.
_BANK_NEW_YEAR_CLOSED = frozenset({(12, 31), (1, 2), (1, 3)})


# ---- dates (pure) ------------------------------------------------------------------------------


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def day_in_month(year: int, month: int, day: int) -> date:
    """The `day` of a month, or its last day when the month is shorter (31 = month end)."""
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def shift_month(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + months
    return index // 12, index % 12 + 1


def closing_date_in(year: int, month: int, closing_day: int) -> date:
    """A customer's closing date in one month: the closing day, or the month end for 31
    (so 末締め closes on 28 or 29 February)."""
    return day_in_month(year, month, closing_day)


def is_closing_date(day: date, closing_day: int) -> bool:
    return day == closing_date_in(day.year, day.month, closing_day)


def previous_closing_date(closing_date: date, closing_day: int) -> date:
    """The closing date one month before `closing_date` (which must be a closing date)."""
    if not is_closing_date(closing_date, closing_day):
        raise ValueError(f"{closing_date} is not a closing date of day {closing_day}")
    year, month = shift_month(closing_date.year, closing_date.month, -1)
    return closing_date_in(year, month, closing_day)


def next_closing_date(day: date, closing_day: int) -> date:
    """The first closing date on or after `day`."""
    this_month = closing_date_in(day.year, day.month, closing_day)
    if this_month >= day:
        return this_month
    year, month = shift_month(day.year, day.month, 1)
    return closing_date_in(year, month, closing_day)


def latest_closing_date(day: date, closing_day: int) -> date:
    """The last closing date on or before `day`."""
    this_month = closing_date_in(day.year, day.month, closing_day)
    if this_month <= day:
        return this_month
    year, month = shift_month(day.year, day.month, -1)
    return closing_date_in(year, month, closing_day)


@dataclass(frozen=True)
class BillingPeriod:
    """(previous closing date, closing date]: `start` is the day after the previous closing."""

    start: date
    end: date

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end

    @property
    def previous_closing(self) -> date:
        return self.start - _ONE_DAY


def billing_period(
    closing_date: date, closing_day: int, *, previous_end: date | None = None
) -> BillingPeriod:
    """The period an invoice for `closing_date` covers.

    It starts the day after the previous invoice's closing date when there is one (so periods
    chain without a gap or an overlap even when a month was skipped or the closing day changed),
    otherwise the day after the customer's closing date one month earlier."""
    if previous_end is not None:
        if previous_end >= closing_date:
            raise ValueError("the previous invoice must close before this one")
        return BillingPeriod(previous_end + _ONE_DAY, closing_date)
    return BillingPeriod(previous_closing_date(closing_date, closing_day) + _ONE_DAY, closing_date)


def is_payment_business_day(day: date) -> bool:
    """Money can arrive on this day: not a weekend, a public holiday or a New Year bank holiday."""
    return (
        day.weekday() < 5
        and not is_public_holiday(day)
        and (day.month, day.day) not in _BANK_NEW_YEAR_CLOSED
    )


def next_business_day(day: date) -> date:
    """`day` itself when money can arrive on it, otherwise the next day it can."""
    while not is_payment_business_day(day):
        day += _ONE_DAY
    return day


def due_date_for(
    closing_date: date, *, month_offset: int, payment_day: int, move_off_holidays: bool
) -> date:
    """The payment due date of an invoice closing on `closing_date`: `payment_day` (31 = month
    end) of the month `month_offset` months after the closing month, e.g. 20日締め翌月末払い →
    the end of the next month. Moved to the next business day when the supplier asks for it."""
    year, month = shift_month(closing_date.year, closing_date.month, month_offset)
    due = day_in_month(year, month, payment_day)
    return next_business_day(due) if move_off_holidays else due


# ---- figures (pure) ----------------------------------------------------------------------------


@dataclass(frozen=True)
class InvoiceFigures:
    """The money on a periodic invoice. Tax is rounded once per rate on the sum of that rate."""

    amount_by_rate: dict[int, Decimal]
    tax_by_rate: dict[int, Decimal]
    previous_balance: Decimal
    payments: Decimal

    @property
    def total(self) -> Decimal:
        """This period's sales with tax."""
        return sum(self.amount_by_rate.values(), Decimal(0)) + sum(
            self.tax_by_rate.values(), Decimal(0)
        )

    @property
    def carry_over(self) -> Decimal:
        return self.previous_balance - self.payments

    @property
    def amount_due(self) -> Decimal:
        return self.carry_over + self.total


def invoice_figures(
    lines: Iterable[DocLine],
    *,
    rounding: str,
    previous_balance: Decimal = Decimal(0),
    payments: Decimal = Decimal(0),
) -> InvoiceFigures:
    amounts = amounts_by_rate((line.tax_rate, line.amount) for line in lines)
    return InvoiceFigures(
        amount_by_rate=amounts,
        tax_by_rate=tax_by_rate(amounts, rounding),
        previous_balance=previous_balance,
        payments=payments,
    )


# ---- reads -------------------------------------------------------------------------------------


class BillingError(Exception):
    """Billing cannot be done as asked; the message says why, in the person's words."""


def closing_customers(supplier: Organization, closing_date: date) -> QuerySet[Customer]:
    """The supplier's active customers billed by closing day whose closing day falls on
    `closing_date` (customers billed per delivery get an invoice per order: per_order.py)."""
    closes = Q(closing_day=closing_date.day)
    if closing_date == month_end(closing_date.year, closing_date.month):
        # 末締め (31), and any day beyond a short month's end.
        closes |= Q(closing_day__gt=closing_date.day)
    return (
        Customer.objects.filter(
            supplier=supplier,
            status=Customer.Status.ACTIVE,
            billing_method=Customer.BillingMethod.CLOSING,
        )
        .filter(closes)
        .select_related("supplier")
        .order_by("customer_code")
    )


def _periodic_invoices(customer: Customer) -> QuerySet[Document]:
    return Document.objects.filter(
        supplier_id=customer.supplier_id,
        customer=customer,
        doc_type=DocumentType.PERIODIC_INVOICE,
    ).exclude(status=DocumentStatus.VOID)


def issued_invoice(customer: Customer, closing_date: date) -> Document | None:
    """The periodic invoice already issued for this customer and closing date, if any."""
    return (
        _periodic_invoices(customer)
        .filter(period_end=closing_date)
        .select_related("customer")
        .first()
    )


def previous_invoice(customer: Customer, closing_date: date) -> Document | None:
    return (
        _periodic_invoices(customer)
        .filter(period_end__lt=closing_date)
        .order_by("-period_end")
        .first()
    )


def latest_invoice(customer: Customer) -> Document | None:
    return _periodic_invoices(customer).order_by("-period_end").first()


def invoices_for_closing_date(supplier: Organization, closing_date: date) -> QuerySet[Document]:
    """The periodic invoices (void ones too) of every customer for one closing date."""
    return (
        Document.objects.filter(
            supplier=supplier,
            doc_type=DocumentType.PERIODIC_INVOICE,
            period_end=closing_date,
        )
        .select_related("customer")
        .order_by("customer__customer_code", "created_at")
    )


def billable_orders(customer: Customer, period: BillingPeriod) -> list[Order]:
    """Delivered orders dated (delivery date, else the requested date) on or before the closing
    date that no live invoice holds, periodic or per order: an order is billed once even if its
    date moved or it was invoiced on its own.

    An order dated in an earlier period that was marked delivered after that period was billed
    (say dated 12/01, delivered after the 12/03 close) goes on this invoice, which says so
    (`late_orders` in its content). Orders dated before the customer's first periodic invoice
    are left out, as its credit notes are: they predate billing here (imported history) and the
    billing page lists them (`selectors.unbilled_orders`)."""
    first = _periodic_invoices(customer).order_by("period_end").first()
    since = first.period_start if first is not None and first.period_start else period.start
    orders = (
        Order.objects.filter(
            supplier_id=customer.supplier_id, customer=customer, status=OrderStatus.DELIVERED
        )
        .annotate(billed_on=Coalesce(*TRANSACTION_DATE_FIELDS))
        .filter(billed_on__gte=min(since, period.start), billed_on__lte=period.end)
        .exclude(selectors.on_a_live_invoice())
        .prefetch_related("lines")
    )
    return sorted(orders, key=lambda order: (order.transaction_date, order.number))


# A credit note corrects what the periodic account bills, except one of a per-order invoice: that
# invoice is settled on its own, and so are its corrections (decision 0031).
SETTLED_ON_THEIR_OWN = (DocumentType.INVOICE,)


def billable_credit_notes(customer: Customer, period: BillingPeriod) -> list[Document]:
    """Live credit notes the periodic invoice for `period` counts: issued on or before its
    closing date, not already counted on a live periodic invoice, and not correcting a per-order
    invoice. A note issued after a period was billed (say on the closing day, after the run)
    goes on the next invoice; notes from before the customer's first periodic invoice are left
    out, as its orders are."""
    counted = Exists(
        Document.credit_notes.through.objects.filter(
            to_document_id=OuterRef("pk"),
            from_document__doc_type=DocumentType.PERIODIC_INVOICE,
        ).exclude(from_document__status=DocumentStatus.VOID)
    )
    first = _periodic_invoices(customer).order_by("period_end").first()
    since = first.period_start if first is not None and first.period_start else period.start
    return list(
        Document.objects.filter(
            supplier_id=customer.supplier_id,
            customer=customer,
            doc_type=DocumentType.CREDIT_NOTE,
            issued_on__gte=min(since, period.start),
            issued_on__lte=period.end,
        )
        .exclude(status=DocumentStatus.VOID)
        .exclude(original__doc_type__in=SETTLED_ON_THEIR_OWN)
        .exclude(counted)
        .select_related("original")
        .order_by("issued_on", "number")
    )


def credit_note_lines(note: Document) -> list[DocLine]:
    """A credit note's lines as the periodic invoice prints them: dated on the note's issue
    date and referring to the note's number (the customer holds that note), amounts as on the
    note. The invoice's tax is computed once per rate over the net sums, not copied."""
    return [
        replace(
            DocLine.from_content(row),
            delivered_on=note.issued_on,
            order_number=note.number,
            source_index=None,
        )
        for row in note.content.get("lines", [])
    ]


def account_payments(customer: Customer) -> QuerySet[Payment]:
    """The customer's payments counted on its periodic invoices: all of them except those that
    settle a per-order invoice, which is paid on its own (decision 0031)."""
    return Payment.objects.filter(supplier_id=customer.supplier_id, customer=customer).exclude(
        invoice__doc_type__in=SETTLED_ON_THEIR_OWN
    )


def payments_received(customer: Customer, period: BillingPeriod) -> Decimal:
    total = (
        account_payments(customer)
        .filter(received_on__gte=period.start, received_on__lte=period.end)
        .aggregate(total=Sum("amount"))["total"]
    )
    return Decimal(total or 0)


@dataclass(frozen=True)
class InvoicePlan:
    """What the invoice for one customer and closing date will say, before it is issued."""

    customer: Customer
    period: BillingPeriod
    due_date: date
    previous_balance: Decimal
    payments: Decimal
    orders: list[Order]
    credit_notes: list[Document]
    lines: list[DocLine]


def plan_key(plan: InvoicePlan) -> tuple[Any, ...]:
    """Everything an invoice drafted from this plan prints, to tell whether a draft made ahead
    still says what the plan says now."""
    return (
        plan.period,
        plan.due_date,
        plan.previous_balance,
        plan.payments,
        tuple(order.pk for order in plan.orders),
        tuple(note.pk for note in plan.credit_notes),
        tuple(tuple(sorted(line.as_content().items())) for line in plan.lines),
    )


@dataclass
class Prepared:
    """An invoice drafted and rendered ahead of its transaction (see _bill_each)."""

    key: tuple[Any, ...]
    drafted: issuing.Draft
    pdf: bytes = b""


def plan_invoice(customer: Customer, closing_date: date) -> InvoicePlan:
    """Gather the period, lines, previous balance, payments and due date (reads only)."""
    previous = previous_invoice(customer, closing_date)
    period = billing_period(
        closing_date,
        customer.closing_day,
        previous_end=previous.period_end if previous is not None else None,
    )
    orders = billable_orders(customer, period)
    credit_notes = billable_credit_notes(customer, period)
    return InvoicePlan(
        customer=customer,
        period=period,
        due_date=due_date_for(
            closing_date,
            month_offset=customer.payment_month_offset,
            payment_day=customer.payment_day,
            move_off_holidays=customer.supplier.move_due_dates_off_holidays,
        ),
        previous_balance=previous.amount_due if previous is not None else Decimal(0),
        payments=payments_received(customer, period),
        orders=orders,
        credit_notes=credit_notes,
        lines=[
            *(line for order in orders for line in issuing.order_lines(order)),
            *(line for note in credit_notes for line in credit_note_lines(note)),
        ],
    )


# ---- writes ------------------------------------------------------------------------------------


def _refuse_if_not_closing(customer: Customer, closing_date: date) -> None:
    if customer.billing_method == Customer.BillingMethod.PER_ORDER:
        raise BillingError(
            _(
                "Customer %(code)s is billed per delivery: each delivered order gets its own "
                "invoice, so there is no periodic invoice to issue."
            )
            % {"code": customer.customer_code}
        )
    if not is_closing_date(closing_date, customer.closing_day):
        raise BillingError(
            _(
                "Customer %(code)s does not close on %(date)s: its terms are %(terms)s "
                "(next closing date %(next)s)."
            )
            % {
                "code": customer.customer_code,
                "date": closing_date.isoformat(),
                "terms": customer.terms_label,
                "next": next_closing_date(closing_date, customer.closing_day).isoformat(),
            }
        )


def bill_customer(
    customer: Customer,
    *,
    closing_date: date,
    actor: Membership | None = None,
    prepared: Prepared | None = None,
) -> tuple[Document, bool]:
    """Issue the periodic invoice of one customer for one closing date, in its own transaction.

    Returns (invoice, created). An invoice already issued for that customer and date is returned
    with created False and nothing changes. Refuses (BillingError) a date that is not the
    customer's closing date, and a date earlier than an invoice already issued (the periods
    would overlap)."""
    _refuse_if_not_closing(customer, closing_date)
    existing = issued_invoice(customer, closing_date)
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            # One run at a time per customer: the second waits here, then finds the invoice.
            customer = (
                Customer.objects.select_for_update(of=("self",), no_key=True)
                .select_related("supplier")
                .get(pk=customer.pk)
            )
            existing = issued_invoice(customer, closing_date)
            if existing is not None:
                return existing, False
            later = (
                _periodic_invoices(customer)
                .filter(period_end__gt=closing_date)
                .order_by("period_end")
                .first()
            )
            if later is not None:
                raise BillingError(
                    _(
                        "Customer %(code)s already has invoice %(number)s for the later closing "
                        "date %(later)s: an invoice for %(date)s would overlap it."
                    )
                    % {
                        "code": customer.customer_code,
                        "number": later.number,
                        "later": later.period_end.isoformat() if later.period_end else "",
                        "date": closing_date.isoformat(),
                    }
                )
            plan = plan_invoice(customer, closing_date)
            document = None
            if prepared is not None and prepared.key == plan_key(plan):
                # Drafted and rendered ahead, outside this transaction: used when nothing it
                # says has changed since and its number is still the next one.
                document = issuing.commit(prepared.drafted, prepared.pdf, actor=actor)
            if document is None:
                document = issuing.issue(
                    actor=actor,
                    supplier=customer.supplier,
                    customer=customer,
                    doc_type=DocumentType.PERIODIC_INVOICE,
                    lines=plan.lines,
                    # 請求日 = 締日: the invoice is dated on its closing date, whenever it is run.
                    issued_on=closing_date,
                    orders=plan.orders,
                    period=(plan.period.start, plan.period.end),
                    due_date=plan.due_date,
                    previous_balance=plan.previous_balance,
                    payments=plan.payments,
                    credit_notes=plan.credit_notes,
                )
            if plan.credit_notes:
                document.credit_notes.set(plan.credit_notes)
    except IntegrityError:
        # Another run issued it between our look-up and our insert: that invoice is the one.
        existing = issued_invoice(customer, closing_date)
        if existing is None:
            raise
        return existing, False
    logger.info(
        "billing.invoice_issued supplier=%s customer=%s closing_date=%s number=%s",
        customer.supplier_id,
        customer.customer_code,
        closing_date,
        document.number,
    )
    return document, True


@dataclass(frozen=True)
class Problem:
    """A customer whose invoice could not be issued, and why."""

    customer_code: str
    message: str

    def as_text(self) -> str:
        return f"{self.customer_code}: {self.message}"


class BillingResult(list[tuple[Document, bool]]):
    """The (invoice, created) pairs of a run, with the customers that could not be billed and
    how many customers close on the date (0: nobody closes that day)."""

    def __init__(self, closing_customers: int = 0) -> None:
        super().__init__()
        self.closing_customers = closing_customers
        self.problems: list[Problem] = []

    @property
    def created_count(self) -> int:
        return sum(1 for _document, created in self if created)


OnCustomerDone = Callable[[Customer, "tuple[Document, bool] | None"], None]


def _draft_ahead(
    customer: Customer,
    *,
    closing_date: date,
    actor: Membership | None,
    sequence: int,
    number_format: str,
) -> Prepared | None:
    """The customer's invoice drafted for `sequence`, outside any transaction; None when there
    is nothing to draft (already issued, or a problem bill_customer will name)."""
    try:
        _refuse_if_not_closing(customer, closing_date)
        if issued_invoice(customer, closing_date) is not None:
            return None
        if _periodic_invoices(customer).filter(period_end__gt=closing_date).exists():
            return None
        plan = plan_invoice(customer, closing_date)
        drafted = issuing.draft(
            actor=actor,
            supplier=customer.supplier,
            customer=customer,
            doc_type=DocumentType.PERIODIC_INVOICE,
            lines=plan.lines,
            issued_on=closing_date,
            sequence=sequence,
            number_format=number_format,
            orders=plan.orders,
            period=(plan.period.start, plan.period.end),
            due_date=plan.due_date,
            previous_balance=plan.previous_balance,
            payments=plan.payments,
            credit_notes=plan.credit_notes,
        )
    except Exception:
        # bill_customer tries again in its transaction and reports what is wrong.
        logger.warning("billing.draft_failed customer=%s", customer.customer_code, exc_info=True)
        return None
    return Prepared(plan_key(plan), drafted)


def _bill_one(
    customer: Customer,
    *,
    closing_date: date,
    actor: Membership | None,
    result: BillingResult,
    prepared: Prepared | None,
) -> tuple[Document, bool] | None:
    try:
        outcome = bill_customer(customer, closing_date=closing_date, actor=actor, prepared=prepared)
    except (BillingError, issuing.IssueError) as error:
        result.problems.append(Problem(customer.customer_code, str(error)))
        return None
    except Exception:
        # One customer's failure (say, a PDF that cannot be rendered) must not stop the
        # others: its transaction rolled back, and the run says which customer failed.
        logger.exception(
            "billing.customer_failed customer=%s closing_date=%s",
            customer.customer_code,
            closing_date,
        )
        result.problems.append(
            Problem(
                customer.customer_code,
                _("The invoice could not be issued because of an unexpected error."),
            )
        )
        return None
    result.append(outcome)
    return outcome


def _bill_each(
    customers: list[Customer],
    *,
    closing_date: date,
    actor: Membership | None,
    result: BillingResult,
    on_done: OnCustomerDone | None = None,
) -> None:
    """Bill the customers in order, each in its own short transaction.

    The invoices are drafted and rendered ahead (rendering.py: in worker processes for a big
    run), outside any transaction, for the numbers they will most likely get: the next values of
    the periodic invoices' counter, in the customers' order. Each transaction then only checks
    the plan again and commits the draft (bill_customer). When a draft cannot be used (its
    customer's figures changed, another run took a number, or a customer was skipped), the
    drafts in flight are for the wrong numbers: they are dropped and drafted again."""
    from tsunagu.documents import numbering, rendering

    if not customers:
        return
    supplier = customers[0].supplier
    waiting = deque(customers)
    in_flight: deque[tuple[Customer, Prepared | None, Future[bytes] | None]] = deque()
    next_value: int | None = None
    number_format = ""
    with rendering.renderer_for(len(customers)) as renderer:
        while waiting or in_flight:
            if next_value is None:
                counter = numbering.sequence_for(supplier, DocumentType.PERIODIC_INVOICE)
                next_value, number_format = counter.last_number + 1, counter.number_format
            while waiting and len(in_flight) < renderer.ahead:
                customer = waiting.popleft()
                prepared = _draft_ahead(
                    customer,
                    closing_date=closing_date,
                    actor=actor,
                    sequence=next_value,
                    number_format=number_format,
                )
                future = None
                if prepared is not None:
                    next_value += 1
                    future = renderer.submit(prepared.drafted.html, prepared.drafted.pdf_identifier)
                in_flight.append((customer, prepared, future))
            customer, prepared, future = in_flight.popleft()
            if prepared is not None and future is not None:
                try:
                    prepared.pdf = future.result()
                except Exception:
                    logger.warning("billing.render_ahead_failed", exc_info=True)
                    prepared = None
            outcome = _bill_one(
                customer, closing_date=closing_date, actor=actor, result=result, prepared=prepared
            )
            created = outcome is not None and outcome[1]
            used = (
                prepared is not None
                and outcome is not None
                and outcome[0].pk == prepared.drafted.document.pk
            )
            if (prepared is not None and not used) or (prepared is None and created):
                # The counter did not move as drafted: draft the ones in flight again.
                for stale, _prepared, stale_future in reversed(in_flight):
                    if stale_future is not None:
                        stale_future.cancel()
                    waiting.appendleft(stale)
                in_flight.clear()
                next_value = None
            if on_done is not None:
                on_done(customer, outcome)


def future_closing_date_message(closing_date: date) -> str:
    return _("%(date)s has not come yet: run the billing on or after the closing date.") % {
        "date": closing_date.isoformat()
    }


def run_billing(
    supplier: Organization,
    *,
    closing_date: date,
    customer: Customer | None = None,
    actor: Membership | None = None,
    future_reason: str = "",
) -> BillingResult:
    """Issue one periodic invoice per active customer whose closing day falls on `closing_date`
    (or for the one `customer` given), each in its own transaction.

    Returns [(invoice, created)]; running again returns the same invoices with created False.
    An empty result with `closing_customers == 0` means nobody closes that day. Customers that
    could not be billed are in `result.problems`. A given customer that does not close that day
    is refused with BillingError.

    The billing page and `manage.py run_billing` refuse a closing date after today (the
    deliveries still to come in that period would miss the invoice); the command bills one
    only when given a reason, passed here as `future_reason` and recorded in the supplier's
    audit log before anything is issued."""
    if customer is not None:
        if customer.supplier_id != supplier.pk:
            raise BillingError(_("This customer is not one of yours."))
        _refuse_if_not_closing(customer, closing_date)
        customers = [customer]
    else:
        customers = list(closing_customers(supplier, closing_date))
    today = timezone.localdate()
    if closing_date > today and future_reason.strip():
        with transaction.atomic():
            audit.record(
                "billing.future_closing_date",
                actor=actor.user if actor is not None else None,
                organization=supplier,
                target_label=closing_date.isoformat(),
                changes={
                    "closing_date": closing_date.isoformat(),
                    "today": today.isoformat(),
                    "reason": future_reason.strip(),
                    "customer": customer.customer_code if customer is not None else "",
                },
            )
        logger.warning(
            "billing.future_closing_date supplier=%s closing_date=%s today=%s",
            supplier.pk,
            closing_date,
            today,
        )
    result = BillingResult(closing_customers=len(customers))
    _bill_each(customers, closing_date=closing_date, actor=actor, result=result)
    return result


def no_customer_closes_message(closing_date: date) -> str:
    return _("No customer closes on %(date)s: no invoice was issued.") % {
        "date": closing_date.isoformat()
    }


def invoice_summary(document: Document, *, created: bool) -> dict[str, Any]:
    """The figures of an invoice as the run_billing command prints them (CONTRACT.md)."""
    return {
        "number": document.number,
        "customer_code": document.customer.customer_code,
        "period_start": document.period_start.isoformat() if document.period_start else None,
        "period_end": document.period_end.isoformat() if document.period_end else None,
        "amount_by_rate": {"10": int(document.amount_10), "8": int(document.amount_8)},
        "tax_by_rate": {"10": int(document.tax_10), "8": int(document.tax_8)},
        "total": int(document.total),
        "previous_balance": int(document.previous_balance),
        "payments": int(document.payments),
        "amount_due": int(document.amount_due),
        "pdf_sha256": document.pdf_sha256,
        "created": created,
    }


# ---- background runs ---------------------------------------------------------------------------


@transaction.atomic
def start_billing_run(*, actor: Membership, closing_date: date) -> BillingRun:
    """Record a billing run for the actor's supplier and queue it; the page follows its progress.

    A run already going for the same date is returned instead of a second one. Refuses
    (BillingError) a date on which no customer closes."""
    from tsunagu.documents.tasks import process_billing_run

    supplier = actor.organization
    running = (
        BillingRun.objects.filter(
            supplier=supplier,
            closing_date=closing_date,
            status=BillingRun.Status.RUNNING,
            # A run whose worker died long ago must not block the date for ever.
            created_at__gte=timezone.now() - RUN_REUSED_FOR,
        )
        .order_by("-created_at")
        .first()
    )
    if running is not None:
        return running
    count = closing_customers(supplier, closing_date).count()
    if count == 0:
        raise BillingError(no_customer_closes_message(closing_date))
    run = BillingRun.objects.create(
        supplier=supplier,
        closing_date=closing_date,
        total_customers=count,
        started_by=actor.user,
    )
    audit.record(
        "billing_run.started",
        actor=actor.user,
        organization=supplier,
        target=run,
        changes={"closing_date": closing_date.isoformat(), "customers": count},
    )
    # The queue lives in the same database: the task is queued in this transaction, so a run
    # is never recorded without its task (nor a task without its run).
    process_billing_run.enqueue(str(run.pk))
    return run


def take_over_expired_runs(now: datetime) -> int:
    """Runs whose worker died (their lease ran out) are queued again; the next worker goes on
    where it stopped, since invoices already issued are not issued again."""
    from tsunagu.documents.tasks import process_billing_run

    taken = leases.take_over(
        BillingRun,
        [BillingRun.Status.RUNNING],
        now=now,
        requeue=lambda run_id, _status: process_billing_run.enqueue(str(run_id)),
    )
    for run_id, _status in taken:
        logger.warning("billing.run_taken_over run_id=%s", run_id)
    return len(taken)


def run_state(run: BillingRun) -> str:
    """What the page tells about a run: "working" (a worker has it or will take it soon),
    "taking_over" (its worker stopped; a live worker takes it over within a heartbeat) or
    "no_worker" (no worker is running, so nothing moves until one is started)."""
    if run.status != BillingRun.Status.RUNNING:
        return "finished"
    if not ops.worker_is_alive():
        return "no_worker"
    if leases.is_expired(run.lease_expires_at):
        return "taking_over"
    return "working"


def process_run(run_id: str) -> str:
    """Bill every customer of a recorded run, counting progress as it goes. Safe to run twice:
    a finished run is left alone, one a live worker holds is left to it, and invoices already
    issued are not issued again."""
    run = BillingRun.objects.select_related("supplier", "started_by").get(pk=run_id)
    if run.status != BillingRun.Status.RUNNING:
        return str(run.status)
    if not leases.claim(BillingRun.objects.filter(pk=run_id, status=BillingRun.Status.RUNNING)):
        return "held by another worker"
    actor = (
        Membership.objects.select_related("user", "organization")
        .filter(user=run.started_by, organization=run.supplier)
        .first()
        if run.started_by is not None
        else None
    )
    customers = list(closing_customers(run.supplier, run.closing_date))
    BillingRun.objects.filter(pk=run.pk).update(
        total_customers=len(customers), processed_customers=0
    )

    def done(customer: Customer, outcome: tuple[Document, bool] | None) -> None:
        created = 1 if outcome is not None and outcome[1] else 0
        BillingRun.objects.filter(pk=run.pk).update(
            processed_customers=F("processed_customers") + 1,
            created_count=F("created_count") + created,
            # Progress renews the lease too (a run started by hand has no heartbeat).
            lease_expires_at=leases.lease_until(),
        )

    result = BillingResult(closing_customers=len(customers))
    try:
        _bill_each(
            customers, closing_date=run.closing_date, actor=actor, result=result, on_done=done
        )
    except Exception:
        logger.exception("billing.run_failed run_id=%s", run.pk)
        BillingRun.objects.filter(pk=run.pk).update(
            status=BillingRun.Status.FAILED,
            message=_("The billing run stopped because of an unexpected error."),
            **leases.RELEASED,
        )
        raise
    status = BillingRun.Status.FAILED if result.problems else BillingRun.Status.DONE
    BillingRun.objects.filter(pk=run.pk).update(
        status=status,
        message="\n".join(problem.as_text() for problem in result.problems),
        **leases.RELEASED,
    )
    logger.info(
        "billing.run_finished run_id=%s invoices=%s created=%s problems=%s",
        run.pk,
        len(result),
        result.created_count,
        len(result.problems),
    )
    return str(status)
