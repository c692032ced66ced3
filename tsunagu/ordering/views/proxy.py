"""代理入力: orders taken by phone, FAX, e-mail or LINE, typed in by the supplier's staff with
the source (a FAX PDF, a photo, an .eml) shown beside the form."""

from __future__ import annotations

import uuid
from datetime import date
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.db.models.functions import Lower
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_http_methods

from tsunagu.accounts.access import require_supplier_staff
from tsunagu.accounts.models import Membership
from tsunagu.catalog.models import Product
from tsunagu.core import bounds
from tsunagu.core.filestore import read_decrypted
from tsunagu.core.text import nfkc, normalize_code, normalize_number_text, search_key
from tsunagu.customers.models import Customer
from tsunagu.ordering import services
from tsunagu.ordering.models import Channel, OrderAttachment
from tsunagu.ordering.rules import LineRequest, delivery_choices
from tsunagu.ordering.supplier_access import get_attachment_for_supplier

PROXY_CHANNELS = [c for c in Channel.choices if c[0] in {"phone", "fax", "email", "line"}]
# The words that may follow a quantity to say its unit; anything else starts the line's note.
CASE_WORDS = {"c", "cs", "case", "ケース"}
PIECE_WORDS = {"p", "pc", "pcs", "piece", "バラ"}


def _find_customer(member: Membership, text: str) -> tuple[Customer | None, list[Customer]]:
    """By code first, then by name or kana: (the one found, or the candidates to choose from)."""
    text = nfkc(text)
    code = normalize_code(text.split(" ")[0]) if text else ""
    customers = Customer.objects.filter(
        supplier_id=member.organization_id, status=Customer.Status.ACTIVE
    )
    exact = customers.filter(customer_code__iexact=code).first() if code else None
    if exact is not None or not text:
        return exact, []
    key = search_key(text)
    found = list(customers.filter(Q(name__icontains=text) | Q(name_kana__icontains=key))[:10])
    return (found[0], []) if len(found) == 1 else (None, found)


def _parse_lines(member: Membership, text: str) -> tuple[list[LineRequest], list[str]]:
    requests, problems = [], []
    rows = [nfkc(raw).replace(",", " ").replace("\t", " ").split() for raw in text.splitlines()]
    codes = [normalize_code(row[0]).lower() for row in rows if row]
    products = {
        p.product_code.lower(): p
        for p in Product.objects.annotate(code_lower=Lower("product_code")).filter(
            supplier_id=member.organization_id, code_lower__in=codes
        )
    }
    for number, row in enumerate(rows, start=1):
        if not row:
            continue
        product = products.get(normalize_code(row[0]).lower())
        quantity_text = normalize_number_text(row[1]) if len(row) > 1 else "1"
        # The third word is a unit only when it is one (c, ケース, バラ, …): otherwise the note
        # starts there.
        marker = row[2].lower() if len(row) > 2 else ""
        piece_words = PIECE_WORDS | ({product.unit.lower()} if product and product.unit else set())
        unit = "case" if marker in CASE_WORDS else "piece"
        note_words = row[3:] if marker in CASE_WORDS | piece_words else row[2:]
        if product is None:
            problems.append(
                _("Line %(n)s: no product has the code %(code)s.") % {"n": number, "code": row[0]}
            )
        elif not quantity_text.isdigit() or bounds.whole(quantity_text) < 1:
            problems.append(
                _("Line %(n)s: write the quantity as a number of 1 or more.") % {"n": number}
            )
        elif problem := bounds.line_quantity_problem(
            bounds.whole(quantity_text), product.units_per_case if unit == "case" else None
        ):
            # A quantity no line can hold is refused here, before any amount is worked out.
            problems.append(_("Line %(n)s: %(problem)s") % {"n": number, "problem": problem})
        else:
            requests.append(
                LineRequest(product, int(quantity_text), unit, " ".join(note_words)[:200])
            )
    return requests, problems


@login_required
@require_http_methods(["GET", "POST"])
def new_order(request: HttpRequest) -> HttpResponse:
    member = require_supplier_staff(request, write=request.method == "POST")
    data = request.POST if request.method == "POST" else None
    attachment_ids = request.POST.getlist("attachment") if data else []
    attachments = list(
        OrderAttachment.objects.filter(
            supplier=member.organization, pk__in=attachment_ids, order__isnull=True
        )
    )
    errors: dict[str, list[str]] = {}
    overrides: list[services.Override] = []
    customer: Customer | None = None
    candidates: list[Customer] = []
    if data is not None:
        upload = request.FILES.get("source")
        if upload is not None:
            try:
                attachments.append(
                    services.store_attachment(
                        actor=member, name=upload.name or "source", data=upload.read()
                    )
                )
            except services.AttachmentRefusedError as error:
                errors["source"] = [str(error)]
        customer, candidates = _find_customer(member, data.get("customer", ""))
        if customer is None:
            errors["customer"] = (
                [_("No customer matches. Type the customer code or part of the name.")]
                if not candidates
                else [_("Several customers match: choose one below.")]
            )
        lines, line_problems = _parse_lines(member, data.get("lines", ""))
        if line_problems:
            errors["lines"] = line_problems
        delivery: date | None
        try:
            delivery = date.fromisoformat(data.get("delivery_date", ""))
        except ValueError:
            delivery = None
            if data.get("delivery_date"):
                errors["delivery_date"] = [_("Choose the delivery date.")]
        if delivery is None and customer is not None:
            # Left empty: the customer's next possible delivery date.
            choices = delivery_choices(customer, now=timezone.now())
            delivery = choices[0].day if choices else None
        if delivery is None and customer is not None:
            errors["delivery_date"] = [_("Choose the delivery date.")]
        channel = data.get("channel", "")
        if channel not in dict(PROXY_CHANNELS):
            errors["channel"] = [_("Choose how the order came.")]
        submitting = "attach_only" not in data
        override_reason = data.get("override_reason", "").strip()
        if submitting and not errors and customer is not None and delivery is not None:
            location = (
                customer.locations.filter(is_default=True).first() or customer.locations.first()
            )
            if location is None:
                errors["customer"] = [_("This customer has no delivery location yet.")]
            elif not lines:
                errors["lines"] = [_("Type at least one line: a product code and a quantity.")]
            else:
                try:
                    sent = services.enter_order_by_proxy(
                        actor=member,
                        customer=customer,
                        location=location,
                        lines=lines,
                        delivery_date=delivery,
                        channel=channel,
                        note=data.get("note", "")[:1000],
                        attachments=attachments,
                        idempotency_key=data.get("idempotency_key", "")[:64] or uuid.uuid4().hex,
                        confirmed_overrides=(
                            data.getlist("override") if data.get("confirm_overrides") else []
                        ),
                        override_reason=override_reason,
                    )
                except services.OrderRejectedError as error:
                    errors["lines"] = [p for ps in error.problems.values() for p in ps]
                except services.OverridesNeedConfirmationError as error:
                    overrides = error.overrides
                    if data.get("confirm_overrides") and not override_reason:
                        errors["override_reason"] = [
                            _(
                                "Write why the order does not follow these rules: "
                                "it is kept in the log."
                            )
                        ]
                else:
                    done = _("Order %(number)s was entered for %(customer)s.") % {
                        "number": sent.order.number,
                        "customer": customer.name,
                    }
                    told = (
                        _("The customer was told by mail.")
                        if services.buyer_recipients(sent.order)
                        else _("The customer was not told by mail (no login, no e-mail address).")
                    )
                    messages.success(request, f"{done} {told}")
                    return redirect("supplier-order", order_id=sent.order.pk)
    suggested = None
    if customer is not None:
        choices = delivery_choices(customer, now=timezone.now())
        suggested = choices[0].day if choices else None
    return render(
        request,
        "ordering/supplier_proxy.html",
        {
            "data": data or {},
            "errors": errors,
            "attachments": attachments,
            "candidates": candidates,
            "customer": customer,
            "customers": Customer.objects.filter(
                supplier_id=member.organization_id, status=Customer.Status.ACTIVE
            ).order_by("customer_code")[:500],
            "channels": PROXY_CHANNELS,
            "suggested_date": suggested,
            "idempotency_key": (data.get("idempotency_key") if data else "") or uuid.uuid4().hex,
            "overrides": overrides,
        },
        status=400 if errors or overrides else 200,
    )


@login_required
@require_GET
@xframe_options_sameorigin
def attachment(request: HttpRequest, attachment_id: UUID) -> HttpResponse:
    """The decrypted source, shown beside the order (PDFs in a frame of our own pages)."""
    member = require_supplier_staff(request)
    source = get_attachment_for_supplier(member, attachment_id)
    response = HttpResponse(read_decrypted(source.storage_name), content_type=source.content_type)
    disposition = "inline" if source.content_type != "message/rfc822" else "attachment"
    response["Content-Disposition"] = (
        f"{disposition}; filename*=UTF-8''{_quote(source.original_name)}"
    )
    # Shown in a frame of our own order page; never run as a page of ours (no scripts allowed).
    response["Content-Security-Policy"] = "frame-ancestors 'self'; script-src 'none'"
    response["Cache-Control"] = "private, no-store"
    return response


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name)
