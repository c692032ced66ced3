"""Document pages: the supplier's list, search and document page with its actions, issuing from
an order, and the buyer's list and downloads. Thin: access → form → one service → redirect."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tsunagu.accounts.access import WRITE_ROLES, require_recent_login, require_supplier_staff
from tsunagu.accounts.models import Membership, Role
from tsunagu.documents import payments, selectors, services
from tsunagu.documents.access import (
    get_document_for_buyer,
    get_document_for_supplier,
)
from tsunagu.documents.forms import (
    CreditNoteForm,
    DocumentSearchForm,
    IssueFromOrderForm,
    MailForm,
    MarkPaidForm,
    VoidForm,
)
from tsunagu.documents.issuing import MISSING_REGISTRATION_NUMBER, DocLine
from tsunagu.documents.models import Document, DocumentStatus, DocumentType
from tsunagu.ordering.access import require_buyer
from tsunagu.ordering.supplier_access import get_order_for_supplier

PAGE_SIZE = 50


def _search_page(
    request: HttpRequest, documents_for: Any, template: str, extra: dict[str, Any]
) -> HttpResponse:
    form = DocumentSearchForm(request.GET or None, counterparty_label=extra.pop("label", None))
    if form.is_bound:
        # A field with a bad value shows its error; the other fields still narrow the list.
        form.is_valid()
    search = form.search()
    page = Paginator(documents_for(search), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        template,
        {
            "form": form,
            "page": page,
            "documents": list(page),
            "is_filtered": search.is_filtered or bool(form.errors),
            "query": query.urlencode(),
            **extra,
        },
    )


# ---- the supplier -------------------------------------------------------------------------------


@login_required
@require_GET
def supplier_documents(request: HttpRequest) -> HttpResponse:
    """Every document the supplier issued, searchable by date, amount, customer and type."""
    member = require_supplier_staff(request)
    return _search_page(
        request,
        lambda search: selectors.supplier_documents(member.organization_id, search),
        "documents/supplier_list.html",
        {},
    )


def _warnings(document: Document) -> list[str]:
    texts = {
        MISSING_REGISTRATION_NUMBER: _(
            "Your organization has no registration number, so this document lacks the T number "
            "a qualified invoice must show. Enter it in the organization settings."
        ),
    }
    return [texts.get(code, code) for code in document.content.get("warnings", [])]


def _left(document: Document, lines: list[DocLine]) -> dict[int, int]:
    """How many of each line are not taken back yet by a credit note."""
    taken = services.taken_by_line(document)
    return {index: line.quantity - taken.get(index, (0, 0))[0] for index, line in enumerate(lines)}


def _figures(document: Document) -> dict[str, Any]:
    """What both sides' document pages show: the frozen lines and amounts per rate, the orders
    and the credit notes that correct it."""
    return {
        "document": document,
        "c": document.content,
        "lines": [DocLine.from_content(row) for row in document.content.get("lines", [])],
        "rates": [
            (
                rate,
                document.content["amount_by_rate"][str(rate)],
                document.content["tax_by_rate"][str(rate)],
            )
            for rate in (10, 8)
        ],
        "orders": list(document.orders.all()),
        "corrections": list(selectors.corrections_of(document)),
    }


def _render_document(
    request: HttpRequest,
    member: Membership,
    document: Document,
    *,
    mail_form: MailForm | None = None,
    void_form: VoidForm | None = None,
    credit_form: CreditNoteForm | None = None,
    paid_form: MarkPaidForm | None = None,
    status: int = 200,
) -> HttpResponse:
    figures = _figures(document)
    lines = figures["lines"]
    can_write = member.role in WRITE_ROLES
    is_admin = member.is_admin
    is_void = document.status == DocumentStatus.VOID
    can_credit = is_admin and not is_void and document.doc_type != DocumentType.CREDIT_NOTE
    can_mark_paid = (
        can_write
        and document.doc_type in services.PAYABLE_TYPES
        and DocumentStatus.PAID in services.ALLOWED_MOVES[document.status]
    )
    return render(
        request,
        "documents/supplier_detail.html",
        {
            **figures,
            "billed_on": (
                selectors.billed_on(document)
                if document.doc_type == DocumentType.CREDIT_NOTE
                else []
            ),
            "credit_notes_billed": (
                selectors.credit_notes_billed(document)
                if document.doc_type == DocumentType.PERIODIC_INVOICE
                else []
            ),
            "warnings": _warnings(document),
            "can_write": can_write and not is_void,
            "can_mark_paid": can_mark_paid,
            "outstanding": (
                payments.outstanding(document)
                if document.doc_type in services.PAYABLE_TYPES and not is_void
                else None
            ),
            "paid_form": paid_form
            or MarkPaidForm(
                initial={"received_on": timezone.localdate().isoformat()},
                today=timezone.localdate(),
            ),
            "can_mark_sent": can_write
            and DocumentStatus.SENT in services.ALLOWED_MOVES[document.status],
            "can_void": is_admin and not is_void and document.status != DocumentStatus.PAID,
            "can_credit": can_credit,
            "mail_form": mail_form or MailForm(initial={"to": document.customer.email}),
            "void_form": void_form or VoidForm(),
            "credit_form": credit_form
            or (CreditNoteForm(lines=lines, left=_left(document, lines)) if can_credit else None),
        },
        status=status,
    )


@login_required
@require_GET
def supplier_document(request: HttpRequest, document_id: UUID) -> HttpResponse:
    member = require_supplier_staff(request)
    document = get_document_for_supplier(member, document_id)
    return _render_document(request, member, document)


@login_required
@require_GET
def supplier_document_pdf(request: HttpRequest, document_id: UUID) -> HttpResponse:
    member = require_supplier_staff(request)
    return _pdf_response(request, get_document_for_supplier(member, document_id))


@login_required
@require_POST
def supplier_document_mail(request: HttpRequest, document_id: UUID) -> HttpResponse:
    member = require_supplier_staff(request, write=True)
    document = get_document_for_supplier(member, document_id)
    form = MailForm(request.POST)
    if not form.is_valid():
        return _render_document(request, member, document, mail_form=form, status=400)
    try:
        services.send_by_mail(document, actor=member, to=form.cleaned_data["to"])
    except services.DocumentError as error:
        form.add_error("to", str(error))
        return _render_document(request, member, document, mail_form=form, status=400)
    messages.success(
        request,
        _("%(number)s will be sent to %(to)s with its PDF.")
        % {"number": document.number, "to": form.cleaned_data["to"]},
    )
    return redirect("supplier-document", document_id=document.pk)


@login_required
@require_POST
def supplier_document_paid(request: HttpRequest, document_id: UUID) -> HttpResponse:
    """Mark an invoice paid, recording a payment of what is still outstanding."""
    member = require_supplier_staff(request, write=True)
    document = get_document_for_supplier(member, document_id)
    form = MarkPaidForm(request.POST, today=timezone.localdate())
    if not form.is_valid():
        return _render_document(request, member, document, paid_form=form, status=400)
    try:
        paid = services.mark_paid(
            document, actor=member, received_on=form.cleaned_data["received_on"]
        )
    except services.DocumentError as error:
        form.add_error("received_on", str(error))
        return _render_document(request, member, document, paid_form=form, status=400)
    messages.success(request, _("%(number)s is marked paid.") % {"number": document.number})
    if paid.payment is not None:
        messages.info(
            request,
            _("A payment of ¥%(amount)s received on %(date)s is recorded for it.")
            % {
                "amount": f"{paid.payment.amount:,}",
                "date": paid.payment.received_on.isoformat(),
            },
        )
    tell_also_paid(request, paid.also_paid)
    return redirect("supplier-document", document_id=document.pk)


def tell_also_paid(request: HttpRequest, invoices: Sequence[Document]) -> None:
    if invoices:
        messages.info(
            request,
            _("The payments also cover %(numbers)s, now marked paid.")
            % {"numbers": ", ".join(invoice.number for invoice in invoices)},
        )


@login_required
@require_POST
def supplier_document_sent(request: HttpRequest, document_id: UUID) -> HttpResponse:
    member = require_supplier_staff(request, write=True)
    document = get_document_for_supplier(member, document_id)
    try:
        services.mark_sent(document, actor=member)
        messages.success(request, _("%(number)s is marked sent.") % {"number": document.number})
    except services.DocumentError as error:
        messages.error(request, str(error))
    return redirect("supplier-document", document_id=document.pk)


def _require_admin(member: Membership) -> None:
    from django.core.exceptions import PermissionDenied

    if member.role not in {Role.OWNER, Role.ADMIN}:
        raise PermissionDenied


@login_required
@require_POST
def supplier_document_void(request: HttpRequest, document_id: UUID) -> HttpResponse:
    member = require_supplier_staff(request, write=True)
    document = get_document_for_supplier(member, document_id)
    _require_admin(member)
    require_recent_login(request)
    form = VoidForm(request.POST)
    if not form.is_valid():
        return _render_document(request, member, document, void_form=form, status=400)
    try:
        services.void_document(document, actor=member, reason=form.cleaned_data["reason"])
    except services.DocumentError as error:
        form.add_error("reason", str(error))
        return _render_document(request, member, document, void_form=form, status=400)
    messages.success(request, _("%(number)s is void.") % {"number": document.number})
    return redirect("supplier-document", document_id=document.pk)


@login_required
@require_POST
def supplier_document_credit_note(request: HttpRequest, document_id: UUID) -> HttpResponse:
    member = require_supplier_staff(request, write=True)
    original = get_document_for_supplier(member, document_id)
    _require_admin(member)
    require_recent_login(request)
    lines = [DocLine.from_content(row) for row in original.content.get("lines", [])]
    form = CreditNoteForm(request.POST, lines=lines, left=_left(original, lines))
    if not form.is_valid():
        return _render_document(request, member, original, credit_form=form, status=400)
    try:
        note = services.issue_credit_note(
            original,
            actor=member,
            lines=services.credit_lines(original, form.quantities()),
            reason=form.cleaned_data["reason"],
        )
    except services.DocumentError as error:
        form.add_error(None, str(error))
        return _render_document(request, member, original, credit_form=form, status=400)
    messages.success(
        request,
        _("Credit note %(number)s is issued for %(original)s.")
        % {"number": note.number, "original": original.number},
    )
    return redirect("supplier-document", document_id=note.pk)


@login_required
@require_POST
def supplier_order_documents(request: HttpRequest, order_id: UUID) -> HttpResponse:
    """Issue a delivery note, shipping slip or per-order invoice from the order's page."""
    member = require_supplier_staff(request, write=True)
    order = get_order_for_supplier(member, order_id)
    form = IssueFromOrderForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the kind of document to issue."))
        return redirect("supplier-order", order_id=order.pk)
    try:
        document = services.issue_for_order(
            order, actor=member, doc_type=form.cleaned_data["doc_type"]
        )
    except services.AlreadyIssuedError as error:
        messages.info(request, str(error))
        return redirect("supplier-document", document_id=error.document.pk)
    except services.DocumentError as error:
        messages.error(request, str(error))
        return redirect("supplier-order", order_id=order.pk)
    messages.success(
        request,
        _("%(kind)s %(number)s is issued.")
        % {"kind": document.get_doc_type_display(), "number": document.number},
    )
    for warning in _warnings(document):
        messages.warning(request, warning)
    return redirect("supplier-document", document_id=document.pk)


# ---- the buyer ----------------------------------------------------------------------------------


@login_required
@require_GET
def buyer_documents(request: HttpRequest) -> HttpResponse:
    """Delivery notes, invoices and credit notes the buyer's suppliers issued to it."""
    member = require_buyer(request)
    return _search_page(
        request,
        lambda search: selectors.buyer_documents(member.organization_id, search),
        "documents/buyer_list.html",
        {"organization": member.organization},
    )


@login_required
@require_GET
def buyer_document(request: HttpRequest, document_id: UUID) -> HttpResponse:
    """A document the buyer received: its figures, what to pay by when, and the PDF."""
    member = require_buyer(request)
    document = get_document_for_buyer(member, document_id)
    return render(request, "documents/buyer_detail.html", _figures(document))


@login_required
@require_GET
def buyer_document_pdf(request: HttpRequest, document_id: UUID) -> HttpResponse:
    member = require_buyer(request)
    return _pdf_response(request, get_document_for_buyer(member, document_id))


# ---- downloads ----------------------------------------------------------------------------------


def _pdf_response(request: HttpRequest, document: Document) -> HttpResponse:
    """The stored PDF, decrypted and checked against its SHA-256; a changed or damaged file is
    refused with a page that says so (never handed out)."""
    try:
        data = selectors.read_pdf(document)
    except selectors.DocumentIntegrityError:
        return render(request, "documents/pdf_refused.html", {"document": document}, status=409)
    response = HttpResponse(data, content_type="application/pdf")
    disposition = "inline" if request.GET.get("inline") else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{services.pdf_filename(document)}"'
    response["Content-Length"] = str(len(data))
    response["X-Document-SHA256"] = document.pdf_sha256
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'self'"
    return response
