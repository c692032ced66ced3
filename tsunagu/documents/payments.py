"""Payments received from customers (入金): entered one by one or imported from a small CSV file,
all or nothing, or recorded by marking an invoice paid. A payment lowers the carry-over (繰越) of
the customer's next periodic invoice, except one that settles a per-order invoice (decision 0031).
Periodic invoices that the payments now cover are marked paid."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import QuerySet, Sum
from django.utils.translation import gettext as _

from tsunagu.accounts.models import Membership, Organization
from tsunagu.audit import services as audit
from tsunagu.core import bounds
from tsunagu.customers.models import Customer
from tsunagu.documents import billing
from tsunagu.documents.models import Document, DocumentStatus, DocumentType, Payment
from tsunagu.integrations.csv import schema as s
from tsunagu.integrations.csv.encoding import UnreadableFileError, decode
from tsunagu.integrations.csv.results import RowError
from tsunagu.integrations.csv.schema import CellError, Column, Schema

MAX_AMOUNT = bounds.PAYMENT.maximum
NOTE_MAX_LENGTH = 200


_LOOK_UP = object()


class PaymentRefusedError(Exception):
    """The payment cannot be recorded as it is; the message says why."""


# Every number passes the parser (it refuses what is not one), so that the checks below give
# "1 yen or more" for any zero or negative amount and the payment bound for a large one.
_ANY_NUMBER = bounds.Bound(Decimal("-Infinity"), Decimal("Infinity"))


def _amount(value: str) -> Decimal | None:
    number = s.decimal_number(places=0, bound=_ANY_NUMBER)(value)
    if number is None:
        return None
    if number <= 0:
        raise CellError(_("Enter an amount of 1 yen or more."))
    if problem := bounds.PAYMENT.problem(number):
        raise CellError(problem)
    return number


PAYMENT_SCHEMA = Schema(
    key=Column("得意先コード", "customer_code", s.code(40), ("customer_code",), required=True),
    columns=[
        Column("入金日", "received_on", s.calendar_date, ("received_on",), required=True),
        Column("金額", "amount", _amount, ("amount",), required=True),
        Column("備考", "note", s.text(NOTE_MAX_LENGTH), ("note",)),
    ],
)


def parse_amount(value: str) -> Decimal:
    """'１２，０００円' → 12000; raises PaymentRefusedError with the reason otherwise."""
    try:
        number = _amount(value)
    except CellError as error:
        raise PaymentRefusedError(str(error)) from None
    if number is None:
        raise PaymentRefusedError(_("Enter the amount."))
    return number


def settled_problem(
    customer: Customer, received_on: date, *, latest: Document | object | None = _LOOK_UP
) -> str:
    """Why a payment received on that day cannot be recorded any more, or "".

    The payments of a periodic invoice are those received in its period: a payment dated on or
    before the closing date of an invoice already issued would be on no invoice at all."""
    if latest is _LOOK_UP:
        latest = billing.latest_invoice(customer)
    if not isinstance(latest, Document) or latest.period_end is None:
        return ""
    if received_on > latest.period_end:
        return ""
    return _(
        "Invoice %(number)s already counts the payments up to %(date)s. To add this payment, "
        "void that invoice and run the billing again."
    ) % {"number": latest.number, "date": latest.period_end.isoformat()}


def outstanding(invoice: Document) -> Decimal:
    """What is still to be paid of an invoice (0 or less when nothing is).

    A periodic invoice's amount due holds the whole balance at its closing date, so it is paid
    by the account's payments received after that date, oldest balance first. A per-order
    invoice is its total with its live credit notes, less the payments that settle it."""
    if invoice.doc_type == DocumentType.PERIODIC_INVOICE:
        paid = (
            billing.account_payments(invoice.customer)
            .filter(received_on__gt=invoice.period_end)
            .aggregate(total=Sum("amount"))["total"]
        )
        return invoice.amount_due - Decimal(paid or 0)
    corrected = (
        invoice.corrections.exclude(status=DocumentStatus.VOID).aggregate(total=Sum("total"))[
            "total"
        ]
        or 0
    )
    paid = invoice.settling_payments.aggregate(total=Sum("amount"))["total"] or 0
    return invoice.total + Decimal(corrected) - Decimal(paid)


def is_settled_on_its_own(invoice: Document | None) -> bool:
    return invoice is not None and invoice.doc_type in billing.SETTLED_ON_THEIR_OWN


def record_payment(
    customer: Customer,
    *,
    actor: Membership,
    received_on: date,
    amount: Decimal,
    note: str = "",
    invoice: Document | None = None,
    idempotency_key: str = "",
) -> Payment:
    """Record money received from one of the actor's customers, for the invoice given (when an
    invoice is marked paid) or on account. Periodic invoices the account's payments now cover
    are marked paid; they are listed in `payment.invoices_paid`.

    Idempotent on `idempotency_key` (one per payment form shown, as for orders, decision 0020):
    the same key gives back the payment already recorded with `created` False, whether the
    second call comes after the first or at the same moment (the unique constraint settles a
    race, the loser reading the winner's payment)."""
    key = idempotency_key[:64]
    if key:
        existing = _recorded_with(customer, key)
        if existing is not None:
            return existing
    try:
        with transaction.atomic():
            payment = _record_payment(
                customer,
                actor=actor,
                received_on=received_on,
                amount=amount,
                note=note,
                invoice=invoice,
                idempotency_key=key,
            )
    except IntegrityError:
        existing = _recorded_with(customer, key) if key else None
        if existing is None:
            raise
        return existing
    payment.created = True
    return payment


def _recorded_with(customer: Customer, key: str) -> Payment | None:
    payment = (
        Payment.objects.filter(supplier_id=customer.supplier_id, idempotency_key=key)
        .select_related("customer")
        .first()
    )
    if payment is not None:
        payment.created = False
        payment.invoices_paid = []
    return payment


def _record_payment(
    customer: Customer,
    *,
    actor: Membership,
    received_on: date,
    amount: Decimal,
    note: str,
    invoice: Document | None,
    idempotency_key: str,
) -> Payment:
    from tsunagu.documents import services

    if customer.supplier_id != actor.organization_id:
        raise PermissionError("only the customer's supplier records its payments")
    if invoice is not None and (
        invoice.customer_id != customer.pk or invoice.doc_type not in services.PAYABLE_TYPES
    ):
        raise PermissionError("a payment settles one of the customer's invoices")
    if amount <= 0 or amount != amount.to_integral_value() or amount > MAX_AMOUNT:
        raise PaymentRefusedError(_("Enter a whole number of yen, 1 or more."))
    if not is_settled_on_its_own(invoice):
        problem = settled_problem(customer, received_on)
        if problem:
            raise PaymentRefusedError(problem)
    payment = Payment.objects.create(
        supplier_id=customer.supplier_id,
        customer=customer,
        invoice=invoice,
        received_on=received_on,
        amount=amount,
        note=note.strip()[:NOTE_MAX_LENGTH],
        created_by=actor.user,
        idempotency_key=idempotency_key,
    )
    audit.record(
        "payment.recorded",
        actor=actor.user,
        organization=actor.organization,
        target=payment,
        target_label=f"{customer.customer_code} {received_on.isoformat()} ¥{amount:,}",
        changes={
            "customer": customer.customer_code,
            "received_on": received_on.isoformat(),
            "amount": str(amount),
            "note": payment.note,
            "invoice": invoice.number if invoice is not None else "",
        },
    )
    if is_settled_on_its_own(invoice):
        assert invoice is not None  # noqa: S101 - is_settled_on_its_own(None) is False
        payment.invoices_paid = services.mark_paid_if_covered(invoice, actor=actor)
    else:
        payment.invoices_paid = services.mark_covered_invoices_paid(customer, actor=actor)
    return payment


@transaction.atomic
def cancel_payment(payment: Payment, *, actor: Membership, reason: str) -> Payment:
    """Take back a payment recorded by mistake (a wrong amount, customer or day), with a reason.

    Refused when an issued periodic invoice already counts it (void that invoice first, as for
    adding one). Invoices it had made paid that are no longer covered go back to unpaid. The
    payment row is removed; the audit log keeps what it was, who took it back and why."""
    from tsunagu.documents import services

    payment = (
        Payment.objects.select_for_update(of=("self",), no_key=True)
        .select_related("customer", "invoice")
        .get(pk=payment.pk)
    )
    if payment.supplier_id != actor.organization_id:
        raise PermissionError("only the customer's supplier takes its payments back")
    if not reason.strip():
        raise PaymentRefusedError(_("Write why the payment is taken back."))
    customer = payment.customer
    if not is_settled_on_its_own(payment.invoice):
        latest = billing.latest_invoice(customer)
        if (
            isinstance(latest, Document)
            and latest.period_end is not None
            and payment.received_on <= latest.period_end
        ):
            raise PaymentRefusedError(
                _(
                    "Invoice %(number)s already counts this payment. To take it back, void that "
                    "invoice first, then run the billing again."
                )
                % {"number": latest.number}
            )
    record = {
        "customer": customer.customer_code,
        "received_on": payment.received_on.isoformat(),
        "amount": str(payment.amount),
        "note": payment.note,
        "invoice": payment.invoice.number if payment.invoice is not None else "",
        "reason": reason.strip()[:NOTE_MAX_LENGTH],
    }
    invoice = payment.invoice
    audit.record(
        "payment.cancelled",
        actor=actor.user,
        organization=actor.organization,
        target=payment,
        target_label=(
            f"{customer.customer_code} {payment.received_on.isoformat()} ¥{payment.amount:,}"
        ),
        changes=record,
    )
    payment.delete()
    payment.reopened = services.reopen_uncovered_invoices(  # type: ignore[attr-defined]
        customer, actor=actor, invoice=invoice
    )
    return payment


def recent_payments(supplier: Organization, *, limit: int = 50) -> QuerySet[Payment]:
    return (
        Payment.objects.filter(supplier=supplier)
        .select_related("customer", "created_by", "invoice")
        .order_by("-received_on", "-created_at")[:limit]
    )


# ---- CSV import --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PaymentRow:
    line: int
    customer: Customer
    received_on: date
    amount: Decimal
    note: str


@dataclass
class PaymentImport:
    """The checked rows of a file and every problem found; `applied` once saved."""

    rows: list[PaymentRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    applied: bool = False
    received_on_header: str = "入金日"

    @property
    def total(self) -> Decimal:
        return sum((row.amount for row in self.rows), Decimal(0))

    # Periodic invoices the imported payments made paid.
    invoices_paid: list[Document] = field(default_factory=list)

    def error_lines(self) -> list[str]:
        return [error.as_text() for error in self.errors]


def _recorded_payments(
    supplier: Organization, days: set[date]
) -> set[tuple[object, date, Decimal, str]]:
    """(customer id, date, amount, note) of the supplier's payments on those days: importing the
    same file twice would otherwise count the money twice."""
    return {
        (customer_id, received_on, Decimal(amount), note)
        for customer_id, received_on, amount, note in Payment.objects.filter(
            supplier=supplier, received_on__in=days
        ).values_list("customer_id", "received_on", "amount", "note")
    }


def _days_in(raw_rows: list[tuple[int, list[str]]], position: int) -> set[date]:
    days = set()
    for _line, cells in raw_rows:
        try:
            day = s.calendar_date(cells[position]) if position < len(cells) else None
        except CellError:
            continue
        if day is not None:
            days.add(day)
    return days


def check_payments_csv(supplier: Organization, data: bytes) -> PaymentImport:
    """Read and check every row; change nothing."""
    result = PaymentImport()
    try:
        text, _encoding = decode(data)
    except UnreadableFileError as error:
        result.errors.append(RowError(1, "", str(error)))
        return result
    reader = csv.reader(io.StringIO(text, newline=""))
    headers = next(reader, [])
    columns, problems = PAYMENT_SCHEMA.match_headers(headers)
    result.errors.extend(RowError(1, "", problem) for problem in problems)
    if problems:
        return result
    header_of = {column.name: headers[position] for position, column in columns.items()}
    raw_rows = [(reader.line_num, cells) for cells in reader]
    raw_rows = [(line, cells) for line, cells in raw_rows if any(cell.strip() for cell in cells)]
    if not raw_rows:
        result.errors.append(RowError(1, "", _("The file has no payments.")))
        return result
    result.received_on_header = header_of["received_on"]
    customers = {
        customer.customer_code: customer
        for customer in Customer.objects.filter(supplier=supplier).select_related("supplier")
    }
    latest_of: dict[str, Document | None] = {}
    date_position = next(p for p, column in columns.items() if column.name == "received_on")
    recorded = _recorded_payments(supplier, _days_in(raw_rows, date_position))
    for line, cells in raw_rows:
        values: dict[str, object] = {}
        row_errors: list[RowError] = []
        if len(cells) > len(headers):
            row_errors.append(RowError(line, "", _("This row has more cells than the header.")))
        for position, column in columns.items():
            raw = cells[position] if position < len(cells) else ""
            try:
                values[column.name] = column.parse(raw)
            except CellError as error:
                row_errors.append(RowError(line, headers[position], str(error)))
        failing = {error.column for error in row_errors}
        for name in ("customer_code", "received_on", "amount"):
            if values.get(name) in (None, "") and header_of[name] not in failing:
                row_errors.append(RowError(line, header_of[name], _("This cell is required.")))
                failing.add(header_of[name])
        customer = customers.get(str(values.get("customer_code") or ""))
        if customer is None and header_of["customer_code"] not in failing:
            row_errors.append(
                RowError(
                    line,
                    header_of["customer_code"],
                    _("There is no customer with the code %(code)s.")
                    % {"code": values.get("customer_code")},
                )
            )
        received_on = values.get("received_on")
        if customer is not None and isinstance(received_on, date):
            if customer.customer_code not in latest_of:
                latest_of[customer.customer_code] = billing.latest_invoice(customer)
            problem = settled_problem(
                customer, received_on, latest=latest_of[customer.customer_code]
            )
            if problem:
                row_errors.append(RowError(line, header_of["received_on"], problem))
            elif (
                customer.pk,
                received_on,
                values.get("amount"),
                values.get("note") or "",
            ) in recorded:
                row_errors.append(
                    RowError(
                        line,
                        "",
                        _(
                            "The same payment (customer, date, amount and note) is already "
                            "recorded. If it is another payment, write something different "
                            "in %(note)s."
                        )
                        % {"note": PAYMENT_SCHEMA.columns[2].header},
                    )
                )
        result.errors.extend(row_errors)
        if not row_errors and customer is not None and isinstance(received_on, date):
            amount = values["amount"]
            assert isinstance(amount, Decimal)  # noqa: S101 - parsed and required above
            result.rows.append(
                PaymentRow(line, customer, received_on, amount, str(values.get("note") or ""))
            )
    return result


def import_payments_csv(
    supplier: Organization, data: bytes, *, actor: Membership, dry_run: bool = False
) -> PaymentImport:
    """Check the file, then record every payment in one transaction: all of them, or (when any
    row is wrong) none, with every bad row listed as 行 N: 列: 理由."""
    from tsunagu.documents import services

    if actor.organization_id != supplier.pk:
        raise PermissionError("only the supplier imports its payments")
    checked = check_payments_csv(supplier, data)
    if checked.errors or dry_run:
        return checked
    with transaction.atomic():
        # Checked again under the transaction: an invoice may have been issued meanwhile.
        latest_of: dict[object, Document | None] = {}
        for row in checked.rows:
            if row.customer.pk not in latest_of:
                latest_of[row.customer.pk] = billing.latest_invoice(row.customer)
            problem = settled_problem(
                row.customer, row.received_on, latest=latest_of[row.customer.pk]
            )
            if problem:
                checked.errors.append(RowError(row.line, checked.received_on_header, problem))
        if checked.errors:
            return checked
        Payment.objects.bulk_create(
            Payment(
                supplier=supplier,
                customer=row.customer,
                received_on=row.received_on,
                amount=row.amount,
                note=row.note,
                created_by=actor.user,
            )
            for row in checked.rows
        )
        audit.record(
            "payment.imported",
            actor=actor.user,
            organization=supplier,
            target_label=_("CSV import of payments"),
            changes={"rows": len(checked.rows), "total": str(checked.total)},
        )
        customers = {row.customer.pk: row.customer for row in checked.rows}
        for customer in customers.values():
            checked.invoices_paid.extend(services.mark_covered_invoices_paid(customer, actor=actor))
    checked.applied = True
    return checked
