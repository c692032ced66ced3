"""The supplier's billing pages: start a billing run (締め処理) and follow it, enter payments
received and import them from CSV."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import date
from typing import Any
from uuid import UUID

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tsunagu.accounts.access import WRITE_ROLES, require_recent_login, require_supplier_staff
from tsunagu.accounts.models import Membership
from tsunagu.core.text import normalize_code
from tsunagu.customers.models import MONTH_END, Customer
from tsunagu.documents import billing, payments, per_order, selectors
from tsunagu.documents.access import get_billing_run_for_member, get_payment_for_member
from tsunagu.documents.models import BillingRun
from tsunagu.documents.views import tell_also_paid
from tsunagu.integrations.csv.schema import CellError, calendar_date

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
RUNS_SHOWN = 5
AWAITING_SHOWN = 10


def _parse_day(value: str) -> date:
    """2026-11-30, 2026/11/30 or ２０２６/１１/３０."""
    try:
        day = calendar_date(value or "")
    except CellError as error:
        raise forms.ValidationError(str(error)) from None
    if day is None:
        raise forms.ValidationError(_("Enter the date."))
    return day


class ClosingDateForm(forms.Form):
    closing_date = forms.CharField(
        label=gettext_lazy("Closing date"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args: Any, today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today

    def clean_closing_date(self) -> date:
        day = _parse_day(self.cleaned_data["closing_date"])
        if day > self.today:
            # Deliveries may still come before that day: an invoice issued now would miss them.
            raise forms.ValidationError(billing.future_closing_date_message(day))
        return day


class PaymentForm(forms.Form):
    customer_code = forms.CharField(
        label=gettext_lazy("Customer code"),
        max_length=40,
        widget=forms.TextInput(attrs={"list": "customer-codes", "autocomplete": "off"}),
    )
    received_on = forms.CharField(
        label=gettext_lazy("Received on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    amount = forms.CharField(
        label=gettext_lazy("Amount (yen)"),
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text=gettext_lazy("Full-width digits and commas are fine, e.g. １２，０００."),
    )
    invoice_number = forms.CharField(
        label=gettext_lazy("Invoice number (optional)"),
        max_length=40,
        required=False,
        help_text=gettext_lazy(
            "For a customer billed per delivery, the invoice this money pays. Leave it empty "
            "for money on account (periodic invoices)."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    note = forms.CharField(label=gettext_lazy("Note"), max_length=200, required=False)
    # One per form shown: sending the same form twice records one payment (decision
    # 0049-idempotent-payments). Kept when the form comes back with an error.
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64, required=False)

    def __init__(self, *args: Any, member: Membership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.member = member
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", uuid.uuid4().hex)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        number = normalize_code(cleaned.get("invoice_number") or "")
        customer = cleaned.get("customer_code")
        cleaned["invoice"] = None
        if number and isinstance(customer, Customer):
            invoice = selectors.payable_invoice(customer, number)
            if invoice is None:
                self.add_error(
                    "invoice_number",
                    _("%(customer)s has no unpaid invoice numbered %(number)s.")
                    % {"customer": customer.customer_code, "number": number},
                )
            cleaned["invoice"] = invoice
        return cleaned

    def clean_customer_code(self) -> Customer:
        code = normalize_code(self.cleaned_data["customer_code"])
        customers = Customer.objects.filter(supplier_id=self.member.organization_id).select_related(
            "supplier"
        )
        customer = customers.filter(customer_code=code).first()
        if customer is None:
            # "c0099" typed for C0099: taken when it names exactly one customer.
            matches = list(customers.filter(customer_code__iexact=code)[:2])
            customer = matches[0] if len(matches) == 1 else None
        if customer is None:
            raise forms.ValidationError(
                _("There is no customer with the code %(code)s.") % {"code": code}
            )
        return customer

    def clean_received_on(self) -> date:
        return _parse_day(self.cleaned_data["received_on"])

    def clean_amount(self) -> Any:
        try:
            return payments.parse_amount(self.cleaned_data["amount"])
        except payments.PaymentRefusedError as error:
            raise forms.ValidationError(str(error)) from None


class PaymentUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CSV file"),
        help_text=gettext_lazy("Saved from Excel (Shift_JIS) or as UTF-8. Up to 2 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 2 MB. Split it into parts."))
        return upload


# ---- billing -----------------------------------------------------------------------------------


def _suggested_dates(closing_days: list[int], today: date) -> list[date]:
    """The latest closing date (on or before today) of every closing day in use, and the last
    two month ends: the dates a person most likely wants to close."""
    this_month_end = billing.latest_closing_date(today, MONTH_END)
    days = {billing.latest_closing_date(today, day) for day in closing_days}
    days.add(this_month_end)
    year, month = billing.shift_month(this_month_end.year, this_month_end.month, -1)
    days.add(billing.month_end(year, month))
    return sorted(days, reverse=True)


def _default_closing_date(closing_days: list[int], today: date) -> date:
    """The latest closing date of any active customer (today's month end without customers)."""
    return max(billing.latest_closing_date(today, day) for day in set(closing_days) or {MONTH_END})


def _billing_page(
    request: HttpRequest,
    member: Membership,
    form: ClosingDateForm,
    selected: date | None,
    closing_days: list[int],
) -> HttpResponse:
    supplier = member.organization
    today = timezone.localdate()
    suggested = _suggested_dates(closing_days, today)
    issued = selectors.periodic_invoice_counts(
        supplier, [*suggested, *([selected] if selected else [])]
    )
    per_day = Counter(closing_days)

    def closing_count(day: date) -> int:
        return sum(
            n for closing_day, n in per_day.items() if billing.is_closing_date(day, closing_day)
        )

    awaiting = per_order.awaiting_invoice(supplier.pk)
    unbilled = selectors.unbilled_orders(supplier)
    context: dict[str, Any] = {
        "awaiting_orders": list(awaiting[:AWAITING_SHOWN]),
        "awaiting_count": awaiting.count(),
        "unbilled_orders": list(unbilled[:AWAITING_SHOWN]),
        "unbilled_count": unbilled.count(),
        "form": form,
        "suggestions": [(day, closing_count(day), issued.get(day, 0)) for day in suggested],
        "selected": selected,
        "can_write": member.role in WRITE_ROLES,
        "today": today,
    }
    if selected is not None:
        context.update(
            selected_customers=closing_count(selected),
            invoices=list(billing.invoices_for_closing_date(supplier, selected)),
            # Each run with what its page would say of it, so a stopped one is marked here too.
            runs=[
                (run, billing.run_state(run))
                for run in selectors.recent_billing_runs(supplier, selected, RUNS_SHOWN)
            ],
        )
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "documents/billing_home.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def billing_home(request: HttpRequest) -> HttpResponse:
    """Choose a closing date, see what was issued for it, and start a run."""
    today = timezone.localdate()
    if request.method == "POST":
        member = require_supplier_staff(request, write=True)
        form = ClosingDateForm(request.POST, today=today)
        if form.is_valid():
            closing_date = form.cleaned_data["closing_date"]
            try:
                run = billing.start_billing_run(actor=member, closing_date=closing_date)
            except billing.BillingError as error:
                form.add_error("closing_date", str(error))
            else:
                return redirect("billing-run", run_id=run.pk)
        selected = form.cleaned_data.get("closing_date") if not form.errors else None
        return _billing_page(
            request, member, form, selected, selectors.active_closing_days(member.organization)
        )
    member = require_supplier_staff(request)
    selected = None
    if request.GET.get("date"):
        try:
            selected = _parse_day(request.GET["date"])
        except forms.ValidationError:
            selected = None
    closing_days = selectors.active_closing_days(member.organization)
    default = selected or _default_closing_date(closing_days, today)
    form = ClosingDateForm(initial={"closing_date": default.isoformat()}, today=today)
    return _billing_page(request, member, form, selected, closing_days)


@login_required
@require_POST
def issue_per_order_invoices(request: HttpRequest) -> HttpResponse:
    """Issue the invoices of delivered orders of customers billed per delivery that have none."""
    member = require_supplier_staff(request, write=True)
    result = per_order.issue_awaiting(member.organization, actor=member)
    if result.issued:
        messages.success(
            request,
            ngettext(
                "%(count)d invoice was issued: %(numbers)s.",
                "%(count)d invoices were issued: %(numbers)s.",
                len(result.issued),
            )
            % {
                "count": len(result.issued),
                "numbers": ", ".join(document.number for document in result.issued),
            },
        )
    for order, reason in result.problems:
        messages.error(request, f"{order.number}: {reason}")
    if result.remaining > 0:
        messages.info(
            request,
            _("%(count)d orders are still waiting: press the button again to go on.")
            % {"count": result.remaining},
        )
    return redirect("billing")


@login_required
@require_GET
def billing_run(request: HttpRequest, run_id: UUID) -> HttpResponse:
    """The progress of one run (the page refreshes itself while it runs), then its invoices."""
    member = require_supplier_staff(request)
    run = get_billing_run_for_member(member, run_id)
    percent = int(100 * run.processed_customers / run.total_customers) if run.total_customers else 0
    return render(
        request,
        "documents/billing_run.html",
        {
            "run": run,
            "is_running": run.status == BillingRun.Status.RUNNING,
            "run_state": billing.run_state(run),
            "percent": percent,
            "problems": [line for line in run.message.splitlines() if line.strip()],
            "invoices": list(
                billing.invoices_for_closing_date(member.organization, run.closing_date)
            ),
        },
    )


# ---- payments ----------------------------------------------------------------------------------


def _payments_page(
    request: HttpRequest, member: Membership, form: PaymentForm, *, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "documents/payments_list.html",
        {
            "form": form,
            "payments": list(payments.recent_payments(member.organization)),
            "customers": selectors.active_customer_choices(member.organization),
            "can_write": member.role in WRITE_ROLES,
            "can_take_back": member.is_admin,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def payment_list(request: HttpRequest) -> HttpResponse:
    """Enter a payment received, and see the latest ones."""
    if request.method == "POST":
        member = require_supplier_staff(request, write=True)
        form = PaymentForm(request.POST, member=member)
        if form.is_valid():
            customer: Customer = form.cleaned_data["customer_code"]
            try:
                payment = payments.record_payment(
                    customer,
                    actor=member,
                    received_on=form.cleaned_data["received_on"],
                    amount=form.cleaned_data["amount"],
                    note=form.cleaned_data["note"],
                    invoice=form.cleaned_data["invoice"],
                    idempotency_key=form.cleaned_data["idempotency_key"] or uuid.uuid4().hex,
                )
            except payments.PaymentRefusedError as error:
                form.add_error("received_on", str(error))
            else:
                if not payment.created:
                    messages.info(
                        request,
                        _(
                            "This payment was already recorded (the form was sent twice): "
                            "it is recorded once."
                        ),
                    )
                    return redirect("payment-list")
                messages.success(
                    request,
                    _("Recorded ¥%(amount)s received from %(customer)s on %(date)s.")
                    % {
                        "amount": f"{payment.amount:,}",
                        "customer": f"{customer.customer_code} {customer.name}",
                        "date": payment.received_on.isoformat(),
                    },
                )
                tell_also_paid(request, payment.invoices_paid)
                return redirect("payment-list")
        return _payments_page(request, member, form, status=400)
    member = require_supplier_staff(request)
    form = PaymentForm(initial={"received_on": timezone.localdate().isoformat()}, member=member)
    return _payments_page(request, member, form)


class CancelPaymentForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why is it taken back?"),
        max_length=200,
        widget=forms.TextInput(
            attrs={"placeholder": gettext_lazy("e.g. the amount was typed wrong")}
        ),
        error_messages={"required": gettext_lazy("Write why the payment is taken back.")},
    )


@login_required
@require_http_methods(["GET", "POST"])
def payment_cancel(request: HttpRequest, payment_id: UUID) -> HttpResponse:
    """Take back a payment entered by mistake: what it was, one reason, one button."""
    member = require_supplier_staff(request, write=True)
    if not member.is_admin:
        raise PermissionDenied
    require_recent_login(request)
    payment = get_payment_for_member(member, payment_id)
    form = CancelPaymentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            cancelled = payments.cancel_payment(
                payment, actor=member, reason=form.cleaned_data["reason"]
            )
        except payments.PaymentRefusedError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("The payment of ¥%(amount)s from %(customer)s on %(date)s was taken back.")
                % {
                    "amount": f"{cancelled.amount:,}",
                    "customer": f"{cancelled.customer.customer_code} {cancelled.customer.name}",
                    "date": cancelled.received_on.isoformat(),
                },
            )
            for document in cancelled.reopened:  # type: ignore[attr-defined]
                messages.info(
                    request,
                    _("%(number)s is unpaid again.") % {"number": document.number},
                )
            return redirect("payment-list")
    status = 400 if request.method == "POST" else 200
    return render(
        request, "documents/payment_cancel.html", {"payment": payment, "form": form}, status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
def payment_import(request: HttpRequest) -> HttpResponse:
    """Import payments from a CSV file (得意先コード, 入金日, 金額, 備考), all or nothing."""
    member = require_supplier_staff(request, write=True)
    form = PaymentUploadForm(request.POST or None, request.FILES or None)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        result = payments.import_payments_csv(
            member.organization, form.cleaned_data["file"].read(), actor=member
        )
        if result.applied:
            messages.success(
                request,
                _("Imported %(count)s payments, ¥%(total)s in all.")
                % {"count": len(result.rows), "total": f"{result.total:,}"},
            )
            tell_also_paid(request, result.invoices_paid)
            return redirect("payment-list")
        errors = result.error_lines()
    return render(
        request,
        "documents/payments_import.html",
        {
            "form": form,
            "errors": errors,
            "columns": payments.PAYMENT_SCHEMA.all_columns,
        },
        status=400 if request.method == "POST" else 200,
    )
