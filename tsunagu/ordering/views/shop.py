"""The buyer's ordering pages: home with いつもの, catalogue, cart and confirmation, sending."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tsunagu.accounts.models import Membership
from tsunagu.calendar.engine import local_now
from tsunagu.catalog.models import Product
from tsunagu.core.http import safe_next
from tsunagu.core.ids import parse_uuid, parse_uuids
from tsunagu.core.text import nfkc, normalize_code
from tsunagu.customers.models import Customer, Location
from tsunagu.integrations.csv.encoding import UnreadableFileError, decode
from tsunagu.ordering import selectors, services
from tsunagu.ordering.access import (
    BUYER_ROLES,
    accounts_of,
    get_account_for_member,
    get_cart_line_for_member,
    get_order_for_buyer,
    get_visible_product_for_member,
    require_buyer,
)
from tsunagu.ordering.forms import SupplierOrderForm, posted_version
from tsunagu.ordering.models import Order, OrderFormField, OrderUnit
from tsunagu.ordering.rules import (
    LineRequest,
    allowed_units,
    check_lines,
    default_unit,
    delivery_choices,
    parse_quantity,
    too_many,
    unreadable_quantity_problem,
    unusual,
)
from tsunagu.ordering.totals import totals_of

CATALOGUE_PAGE = 30


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    member = require_buyer(request)
    accounts = list(accounts_of(member))
    summaries = selectors.home_accounts(member, accounts, now=timezone.now())
    return render(
        request,
        "ordering/home.html",
        {
            "summaries": summaries,
            "now": local_now(timezone.now()),
            "waiting": selectors.waiting_for_approval(member),
            "unread": selectors.unread_orders(member),
            "first_time": not any(s.usual or s.recent for s in summaries),
            "can_write": member.role in BUYER_ROLES,
        },
    )


def _cards(customer: Customer, member: Membership, products: list[Product]) -> list[dict]:
    prices = selectors.prices_for(customer, products)
    favourite_ids = selectors.favourite_ids(member, customer)
    return [
        {
            "product": p,
            "price": prices[p.pk],
            "favourite": p.pk in favourite_ids,
            "units": allowed_units(p),
        }
        for p in products
    ]


@login_required
@require_GET
def catalogue(request: HttpRequest, supplier_code: str) -> HttpResponse:
    member = require_buyer(request)
    customer = get_account_for_member(member, supplier_code)
    query = request.GET.get("q", "").strip()
    category = request.GET.get("category", "")
    favourites_only = request.GET.get("favourites") == "1"
    products = selectors.visible_products(customer, query=query, category=category)
    if favourites_only:
        products = products.filter(pk__in=selectors.favourite_ids(member, customer))
    page = Paginator(products, CATALOGUE_PAGE).get_page(request.GET.get("page"))
    query_string = request.GET.copy()
    query_string.pop("page", None)
    return render(
        request,
        "ordering/catalogue.html",
        {
            "customer": customer,
            "page": page,
            "cards": _cards(customer, member, list(page)),
            "q": query,
            "category": category,
            "categories": selectors.categories_of(customer),
            "favourites_only": favourites_only,
            "query": query_string.urlencode(),
            "cart_lines": selectors.cart_of(member, customer).count(),
        },
    )


def _back(request: HttpRequest, fallback: str, product: Product | None = None) -> HttpResponse:
    # Back to the same card, not to the top of a long catalogue (without JavaScript too).
    anchor = f"#product-{product.pk}" if product is not None else ""
    return redirect((safe_next(request) or fallback) + anchor)


def _card_response(
    request: HttpRequest,
    member: Membership,
    customer: Customer,
    product: Product,
    *,
    message: str,
    is_error: bool = False,
) -> HttpResponse:
    """The product's card alone, with what happened, and the cart count: an htmx answer that
    leaves the page (and the scroll position) as it was."""
    return render(
        request,
        "ordering/_product_card_update.html",
        {
            "customer": customer,
            "card": _cards(customer, member, [product])[0],
            "card_message": message,
            "card_error": is_error,
            "next": safe_next(request) or reverse("buyer-catalogue", args=[customer.supplier.code]),
            "cart_lines": selectors.cart_of(member, customer).count(),
        },
    )


@login_required
@require_POST
def cart_add(request: HttpRequest, supplier_code: str) -> HttpResponse:
    member = require_buyer(request, write=True)
    customer = get_account_for_member(member, supplier_code)
    product = (
        selectors.visible_products(customer)
        .filter(pk=parse_uuid(request.POST.get("product", "")) or uuid.UUID(int=0))
        .first()
    )
    if product is None:
        raise Http404
    quantity = parse_quantity(request.POST.get("quantity", "1"))
    unit = request.POST.get("unit") or default_unit(product)
    if unit not in allowed_units(product):
        unit = default_unit(product)
    problem: str | None
    if quantity is None:
        problem = unreadable_quantity_problem(
            product, request.POST.get("quantity", ""), unit, customer
        ) or _("Enter the quantity as a number of 1 or more.")
    elif quantity < 1:
        problem = _("Enter the quantity as a number of 1 or more.")
    else:
        # The limit holds for the cart line as it will be, not only for what is added now.
        problem = too_many(
            product, _in_cart(member, customer, product, unit) + quantity, unit, customer
        )
    if problem:
        if request.htmx:  # type: ignore[attr-defined]
            return _card_response(
                request, member, customer, product, message=problem, is_error=True
            )
        messages.error(request, problem)
        return _back(request, reverse("buyer-catalogue", args=[supplier_code]), product)
    assert quantity is not None  # noqa: S101 - checked above
    price = selectors.prices_for(customer, [product])[product.pk]
    services.add_to_cart(
        member,
        customer,
        product,
        quantity=quantity,
        order_unit=unit,
        price_seen=None if price.hidden else price.unit_price,
    )
    unit_label = _("case") if unit == OrderUnit.CASE else product.unit
    message = _("%(name)s × %(quantity)s %(unit)s is in the cart.") % {
        "name": product.name,
        "quantity": quantity,
        "unit": unit_label,
    }
    if request.htmx:  # type: ignore[attr-defined]
        return _card_response(request, member, customer, product, message=message)
    messages.success(request, message)
    return _back(request, reverse("buyer-catalogue", args=[supplier_code]), product)


@login_required
@require_POST
def cart_line(request: HttpRequest, line_id: UUID) -> HttpResponse:
    """One line's ＋/−/remove from an older page: the cart page itself saves every line."""
    member = require_buyer(request, write=True)
    line = get_cart_line_for_member(member, line_id)
    action = request.POST.get("action", "")
    if action == "more":
        services.set_cart_quantity(line, quantity=line.quantity + 1)
    elif action == "less":
        services.set_cart_quantity(line, quantity=line.quantity - 1)
    elif action == "remove":
        services.set_cart_quantity(line, quantity=0)
    return redirect("buyer-cart", supplier_code=line.customer.supplier.code)


def _save_cart_form(
    request: HttpRequest, member: Membership, customer: Customer, data: QueryDict
) -> dict[str, str]:
    """Save every cart line as typed on the page, then the button's ＋/−/remove; the lines whose
    quantity could not be read keep their saved number and their typed text is returned."""
    lines = {str(line.pk): line for line in selectors.cart_of(member, customer)}
    action, _sep, target = data.get("action", "").partition(":")
    typed: dict[str, str] = {}
    for line_id, raw, unit, note in zip(
        data.getlist("line_cart"),
        data.getlist("line_quantity"),
        data.getlist("line_unit"),
        data.getlist("line_note"),
        strict=False,
    ):
        line = lines.get(line_id)
        if line is None:
            continue
        quantity = parse_quantity(raw)
        if quantity is None or too_many(line.product, quantity, unit, customer):
            typed[line_id] = raw
            quantity = line.quantity
        if line_id == target:
            quantity += {"more": 1, "less": -1}.get(action, 0)
            if action == "remove":
                quantity = 0
            elif quantity < 1:
                quantity = 1  # − stops at one; the remove button takes a line out
            typed.pop(line_id, None)
            if action == "more" and too_many(line.product, quantity, line.order_unit, customer):
                # ＋ stops at the upper limit, and the line says why.
                typed[line_id] = str(quantity)
                quantity -= 1
        order_unit = unit if unit in allowed_units(line.product) else None
        if (quantity, order_unit or line.order_unit, note[:200]) == (
            line.quantity,
            line.order_unit,
            line.note,
        ):
            # Unchanged, as most lines are (the page saves as it is typed): nothing to write.
            continue
        services.update_cart_line(line, quantity=quantity, order_unit=order_unit, note=note)
    return typed


@login_required
@require_POST
def cart_update(request: HttpRequest, supplier_code: str) -> HttpResponse:
    """The cart page saves what is typed as it is typed: with htmx the items are answered
    alone (nothing else on the page moves); without JavaScript the page comes back."""
    member = require_buyer(request, write=True)
    customer = get_account_for_member(member, supplier_code)
    before = _cart_shape(member, customer)
    typed = _save_cart_form(request, member, customer, request.POST)
    if not request.htmx:  # type: ignore[attr-defined]
        return redirect("buyer-cart", supplier_code=supplier_code)
    requests = _cart_requests(member, customer)
    context = _confirmation_context(
        request,
        member,
        customer,
        requests,
        source="cart",
        typed=typed,
        chosen_date=_posted_date(request.POST),
    )
    # Lines gone, joined or in another unit: the whole list again. Otherwise only amounts,
    # totals and the pressed line's number, so that nothing being typed is replaced.
    shown = {(r.cart_line.pk, r.cart_line.order_unit) for r in requests}  # type: ignore[attr-defined]
    context["full"] = shown != before
    context["target"] = request.POST.get("action", "").partition(":")[2]
    return render(request, "ordering/_confirm_items_update.html", context)


def _cart_shape(member: Membership, customer: Customer) -> set[tuple[UUID, str]]:
    return set(selectors.cart_of(member, customer).values_list("pk", "order_unit"))


@login_required
@require_POST
def favourite(request: HttpRequest, product_id: UUID) -> HttpResponse:
    member = require_buyer(request, write=True)
    customer, product = get_visible_product_for_member(member, product_id)
    marked = services.toggle_favourite(member, product)
    if marked:
        message = _("%(name)s was added to your usual items.") % {"name": product.name}
    else:
        message = _("%(name)s was taken out of your usual items.") % {"name": product.name}
    if request.htmx:  # type: ignore[attr-defined]
        return _card_response(request, member, customer, product, message=message)
    if marked:
        messages.success(request, message)
    else:
        messages.info(request, message)
    return _back(request, reverse("buyer-catalogue", args=[customer.supplier.code]), product)


@login_required
@require_GET
def buyer_product_photo(request: HttpRequest, supplier_code: str, product_id: UUID) -> FileResponse:
    member = require_buyer(request)
    customer = get_account_for_member(member, supplier_code)
    product = selectors.visible_products(customer).filter(pk=product_id).first()
    if product is None or not product.photo:
        raise Http404
    return FileResponse(product.photo.open("rb"))


# ---- the confirmation page: the cart, or an earlier order to send again ---------------------


def _confirmation_context(
    request: HttpRequest,
    member: Membership,
    customer: Customer,
    requests: list[LineRequest],
    *,
    source: str,
    problems: dict[str, list[str]] | None = None,
    chosen_date: date | None = None,
    chosen_location: Location | None = None,
    note: str = "",
    key: str = "",
    order_form: SupplierOrderForm | None = None,
    changing: Order | None = None,
    typed: dict[str, str] | None = None,
    unusual_unconfirmed: bool = False,
) -> dict[str, Any]:
    now = timezone.now()
    if order_form is None:
        order_form = SupplierOrderForm(definitions=_questions(customer))
    checked = check_lines(customer, requests) if requests else []
    choices = delivery_choices(customer, now=now)
    locations = list(customer.locations.all())
    subtotal = sum((line.amount for line in checked), Decimal(0))
    shipping_fee = customer.shipping_fee_for(subtotal)
    totals = totals_of(
        ((line.request.product.tax_rate, line.amount) for line in checked),
        shipping_fee=shipping_fee,
        rounding=customer.supplier.rounding,  # as the invoice will compute it
    )
    usual = selectors.usual_amounts(member, customer, [line.request.product.pk for line in checked])
    odd = unusual(checked, usual_pieces=usual.pieces, usual_subtotal=usual.subtotal)
    first = choices[0] if choices else None
    local = local_now(now)
    countdown = None
    if first and first.cutoff and first.cutoff.date() == local.date():
        remaining = first.cutoff - local
        if remaining.total_seconds() <= 3 * 3600:
            countdown = int(remaining.total_seconds() // 60)
    problems = problems or {}
    typed = typed or {}
    rows = []
    for line in checked:
        cart_line = getattr(line.request, "cart_line", None)
        product = line.request.product
        typed_text = typed.get(str(cart_line.pk) if cart_line else _typed_key(line.request))
        if typed_text is not None:
            problems[product.product_code] = [_typed_problem(product, typed_text, line, customer)]
        rows.append(
            {
                "line": line,
                "problems": problems.get(
                    product.product_code, line.problems if source != "fresh" else []
                ),
                "cart_line": cart_line,
                "price_seen": _changed_price(line),
                # A line in a unit the product is not sold in (a case-only product put in by
                # the piece earlier) keeps its unit in the choice, so that it can be changed.
                "units": _unit_choice(product, line.request.order_unit),
                "typed": typed_text,
                "unusual": product.pk in odd.lines,
                "usual_pieces": odd.lines.get(product.pk),
            }
        )
    return {
        "customer": customer,
        "rows": rows,
        "source": source,
        "choices": choices,
        "chosen_date": chosen_date or (first.day if first else None),
        "first_choice": first,
        "countdown_minutes": countdown,
        "today": local.date(),
        "locations": locations,
        "chosen_location": chosen_location
        or next((loc for loc in locations if loc.is_default), None),
        "note": note,
        "subtotal": subtotal,
        "totals": totals,
        "shipping_fee": shipping_fee,
        "order_problems": problems.get("order", []),
        "date_problems": problems.get("delivery_date", []),
        "idempotency_key": key or uuid.uuid4().hex,
        "hide_prices": customer.hide_prices,
        "order_form": order_form,
        "changing": changing,
        "unusual": odd,
        "unusual_unconfirmed": unusual_unconfirmed,
        # A save of the cart as it is typed answers the send bar again: a tick given for these
        # very quantities stays given.
        "unusual_ticked": bool(odd.token) and request.POST.get("unusual_ok") == odd.token,
        "waits_for_approval": changing is None and services.needs_approval(member, subtotal),
        "approval_threshold": member.organization.approval_threshold,
        "form_action": (
            reverse("buyer-order-change", args=[changing.pk])
            if changing
            else reverse("buyer-send", args=[customer.supplier.code])
        ),
    }


def _unit_choice(product: Product, current: str) -> list[str]:
    units = allowed_units(product)
    return units if current in units else [current, *units]


def _typed_problem(product: Product, text: str, line: Any, customer: Customer) -> str:
    """Why a number typed in the cart was not saved."""
    unit = line.request.order_unit
    quantity = parse_quantity(text)
    if quantity is not None:
        return too_many(product, quantity, unit, customer) or ""
    return unreadable_quantity_problem(product, text, unit, customer) or _(
        "Enter the quantity as a number."
    )


def _confirmation(
    request: HttpRequest,
    member: Membership,
    customer: Customer,
    requests: list[LineRequest],
    *,
    status: int = 200,
    **options: Any,
) -> HttpResponse:
    context = _confirmation_context(request, member, customer, requests, **options)
    return render(request, "ordering/confirm.html", context, status=status)


def _questions(customer: Customer) -> list[OrderFormField]:
    return list(OrderFormField.objects.filter(supplier_id=customer.supplier_id))


def _yen(value: Decimal) -> str:
    return f"{value.normalize():,f}"


def _changed_price(line: object) -> str | None:
    """The price the person saw when adding the product, when it differs from the price now."""
    seen = getattr(getattr(line, "request", None), "price_seen", None)
    price = getattr(line, "price", None)
    if seen is None or price is None or price.hidden or price.unit_price == seen:
        return None
    return _yen(Decimal(seen))


def _cart_requests(member: Membership, customer: Customer) -> list[LineRequest]:
    requests = []
    for line in selectors.cart_of(member, customer):
        request_line = LineRequest(line.product, line.quantity, line.order_unit, line.note)
        request_line.cart_line = line  # type: ignore[attr-defined]
        request_line.price_seen = line.price_seen  # type: ignore[attr-defined]
        requests.append(request_line)
    return requests


def _attempt_key(customer: Customer) -> str:
    return f"ordering.attempt.{customer.pk}"


@login_required
@require_GET
def cart(request: HttpRequest, supplier_code: str) -> HttpResponse:
    member = require_buyer(request)
    customer = get_account_for_member(member, supplier_code)
    attempt = request.session.pop(_attempt_key(customer), None)
    if attempt is None:
        return _confirmation(
            request, member, customer, _cart_requests(member, customer), source="cart"
        )
    # Back from a send that was refused: the page as it was sent, with what is wrong.
    data = QueryDict(mutable=True)
    for name, values in attempt["post"].items():
        data.setlist(name, values)
    location = customer.locations.filter(
        pk=parse_uuid(data.get("location")) or uuid.UUID(int=0)
    ).first()
    return _confirmation(
        request,
        member,
        customer,
        _cart_requests(member, customer),
        source="cart",
        problems=attempt["problems"],
        chosen_date=_posted_date(data),
        chosen_location=location,
        note=data.get("note", ""),
        key=data.get("idempotency_key", ""),
        order_form=_answered_form(customer, data),
        typed=attempt.get("typed", {}),
        unusual_unconfirmed=attempt.get("unusual_unconfirmed", False),
    )


@login_required
@require_GET
def reorder(request: HttpRequest, order_id: UUID) -> HttpResponse:
    """いつもの: the lines of an earlier order on the confirmation page, ready to send again."""
    member = require_buyer(request)
    order = get_order_for_buyer(member, order_id)
    customer = get_account_for_member(member, order.customer.supplier.code)
    requests = [
        LineRequest(line.product, line.quantity, line.order_unit, line.note)
        for line in order.lines.select_related("product")
    ]
    return _confirmation(
        request, member, customer, requests, source="again", chosen_location=order.location, note=""
    )


CASE_WORDS = {"ケース", "case", "cs", "c/s", "ｹｰｽ"}


@dataclass
class QuickLine:
    """One typed line of a quick order that did not go into the cart, and why."""

    text: str
    reason: str


def _quick_line(
    raw: str, products: dict[str, Product], customer: Customer
) -> tuple[Product, int, str] | QuickLine | None:
    """A typed line read as (product, quantity, unit), or why it cannot be; None when blank."""
    text = nfkc(raw).strip()
    # "V001 1,200" has a thousands comma; "V001,12" from a CSV file has none but the separator.
    parts = text.split() if len(text.split()) > 1 else text.replace(",", " ").split()
    if not parts:
        return None
    product = products.get(normalize_code(parts[0]).lower())
    if product is None:
        return QuickLine(raw.strip(), _("This code is not in the catalogue."))
    quantity = parse_quantity(parts[1]) if len(parts) > 1 else 1
    if quantity is None or quantity < 1:
        return QuickLine(raw.strip(), _("Enter the quantity as a number of 1 or more."))
    unit = default_unit(product)
    if len(parts) > 2:
        word = parts[2].lower()
        if word in CASE_WORDS:
            unit = OrderUnit.CASE
        elif word == nfkc(product.unit).lower():
            unit = OrderUnit.PIECE
    if unit not in allowed_units(product):
        return QuickLine(
            raw.strip(),
            _("This product is sold by the case only.")
            if unit == OrderUnit.PIECE
            else _("This product is not sold by the case."),
        )
    problem = too_many(product, quantity, unit, customer)
    if problem:
        return QuickLine(raw.strip(), problem)
    return product, quantity, unit


QUICK_ORDER_FILE_BYTES = 1024 * 1024


def _in_cart(member: Membership, customer: Customer, product: Product, unit: str) -> int:
    """How many of a product the person's cart already holds in this unit."""
    line = selectors.cart_of(member, customer).filter(product=product, order_unit=unit).first()
    return line.quantity if line else 0


@login_required
@require_http_methods(["GET", "POST"])
def quick_order(request: HttpRequest, supplier_code: str) -> HttpResponse:
    """Product codes and quantities typed or pasted, one per line: known ones go to the cart.

    The lines that went in leave the box, so that pressing again after fixing the others never
    puts them in twice."""
    member = require_buyer(request, write=request.method == "POST")
    customer = get_account_for_member(member, supplier_code)
    text = request.POST.get("lines", "")
    upload = request.FILES.get("file")
    if upload is not None and (upload.size or 0) > QUICK_ORDER_FILE_BYTES:
        messages.error(request, _("This file is larger than 1 MB. Send a shorter list."))
    elif upload is not None:
        try:
            text, _encoding = decode(upload.read())
        except UnreadableFileError as error:
            messages.error(request, str(error))
    left: list[QuickLine] = []
    if request.method == "POST":
        products = {p.product_code.lower(): p for p in selectors.visible_products(customer)}
        added = 0
        for raw in text.splitlines():
            read = _quick_line(raw, products, customer)
            if read is None:
                continue
            if isinstance(read, QuickLine):
                left.append(read)
                continue
            product, quantity, unit = read
            # The limit holds for the line as it will be: what the cart holds and this together.
            problem = too_many(
                product, _in_cart(member, customer, product, unit) + quantity, unit, customer
            )
            if problem:
                left.append(QuickLine(raw.strip(), problem))
                continue
            services.add_to_cart(member, customer, product, quantity=quantity, order_unit=unit)
            added += 1
        if added:
            messages.success(request, _("%(count)s lines were put in the cart.") % {"count": added})
        if added and not left:
            return redirect("buyer-cart", supplier_code=supplier_code)
        text = "\n".join(line.text for line in left)
    return render(
        request,
        "ordering/quick_order.html",
        {"customer": customer, "lines": text, "left": left, "added_some": bool(left and added)},
    )


@dataclass
class PostedOrder:
    requests: list[LineRequest]
    problems: dict[str, list[str]]
    location: Location | None
    delivery_date: date | None
    note: str
    order_form: SupplierOrderForm
    typed: dict[str, str]  # quantities that could not be read, as typed (see _typed_key)


def _typed_key(line: LineRequest) -> str:
    """A line that is not in the cart, for the quantity typed on it that could not be read."""
    return f"{line.product.pk}-{line.order_unit}"


def _posted_date(data: QueryDict) -> date | None:
    try:
        return date.fromisoformat(data.get("delivery_date", ""))
    except ValueError:
        return None


def _answered_form(customer: Customer, data: QueryDict) -> SupplierOrderForm:
    form = SupplierOrderForm(data, definitions=_questions(customer))
    form.is_valid()
    return form


def _posted_order(data: QueryDict, customer: Customer) -> PostedOrder:
    """The confirmation form as sent: lines, date, location, note, answers, and what is wrong."""
    products = {
        str(p.pk): p
        for p in Product.objects.filter(
            supplier_id=customer.supplier_id, pk__in=parse_uuids(data.getlist("line_product"))
        )
    }
    requests: list[LineRequest] = []
    problems: dict[str, list[str]] = {}
    typed: dict[str, str] = {}
    current = selectors.prices_for(customer, list(products.values()))
    for product_id, unit, raw_quantity, note, raw_price in zip(
        data.getlist("line_product"),
        data.getlist("line_unit"),
        data.getlist("line_quantity"),
        data.getlist("line_note"),
        data.getlist("line_price"),
        strict=False,
    ):
        product = products.get(product_id)
        if product is None:
            continue
        unit = unit if unit in OrderUnit.values else OrderUnit.PIECE
        quantity = parse_quantity(raw_quantity)
        price = current[product.pk]
        if raw_price and not price.hidden and _decimal(raw_price) != price.unit_price:
            # Never apply a new price silently: show it and let the person send again.
            problems[product.product_code] = [
                _("The price changed from ¥%(old)s to ¥%(new)s. Check it and send again.")
                % {"old": _yen(_decimal(raw_price) or Decimal(0)), "new": _yen(price.unit_price)}
            ]
        requests.append(
            LineRequest(product, quantity if quantity is not None else 0, unit, note[:200])
        )
        if quantity is None:
            typed[_typed_key(requests[-1])] = raw_quantity[:40]
            problems[product.product_code] = [
                unreadable_quantity_problem(product, raw_quantity, unit, customer)
                or _("Enter the quantity as a number.")
            ]
    locations = customer.locations.all()
    chosen_location = data.get("location", "")
    location = (
        locations.filter(pk=parse_uuid(chosen_location) or uuid.UUID(int=0)).first()
        if chosen_location
        else locations.filter(is_default=True).first()
    )
    chosen = _posted_date(data)
    note = data.get("note", "")[:1000]
    if location is None:
        problems["order"] = [_("Choose where to deliver.")]
    order_form = SupplierOrderForm(data, definitions=_questions(customer))
    if not order_form.is_valid():
        problems["form"] = [_("Answer the questions of the order form.")]
    return PostedOrder(requests, problems, location, chosen, note, order_form, typed)


def _unusual_unconfirmed(
    request: HttpRequest, member: Membership, customer: Customer, requests: list[LineRequest]
) -> bool:
    """An order far above the usual that was sent without ticking "I checked" for these very
    quantities (ordering.rules.unusual): it is shown again, asking, instead of being saved."""
    checked = check_lines(customer, [r for r in requests if r.quantity > 0])
    usual = selectors.usual_amounts(member, customer, [r.product.pk for r in requests])
    odd = unusual(checked, usual_pieces=usual.pieces, usual_subtotal=usual.subtotal)
    return bool(odd) and request.POST.get("unusual_ok") != odd.token


def _decimal(raw: str) -> Decimal | None:
    try:
        return Decimal(raw)
    except ArithmeticError:
        return None


@login_required
@require_http_methods(["GET", "POST"])
def send(request: HttpRequest, supplier_code: str) -> HttpResponse:
    member = require_buyer(request, write=request.method == "POST")
    customer = get_account_for_member(member, supplier_code)
    if request.method == "GET":
        # The page of a refused send of an earlier order's lines or of the usual items (a refused
        # send from the cart goes back to the cart); anything else is the cart, not an error.
        attempt = request.session.get(_again_key(customer))
        if attempt is None:
            return redirect("buyer-cart", supplier_code=supplier_code)
        return _refused_again(request, member, customer, attempt)
    source = request.POST.get("source", "cart")
    key = request.POST.get("idempotency_key", "")[:64] or uuid.uuid4().hex
    posted = _posted_order(request.POST, customer)
    requests, problems, location = posted.requests, posted.problems, posted.location
    chosen, note, order_form = posted.delivery_date, posted.note, posted.order_form
    unusual_unconfirmed = not problems and _unusual_unconfirmed(request, member, customer, requests)
    if not problems and not unusual_unconfirmed and location is not None:
        try:
            sent = services.send_order(
                member,
                customer,
                location=location,
                lines=[r for r in requests if r.quantity > 0],
                delivery_date=chosen,
                note=note,
                form_values=order_form.answers(),
                idempotency_key=key,
                clear_cart=source == "cart",
            )
        except services.OrderRejectedError as error:
            problems = error.problems
        else:
            order = sent.order
            if order.status == "pending_approval":
                messages.success(
                    request,
                    _(
                        "The order was saved (order number %(number)s). "
                        "It goes to the supplier once an administrator approves it."
                    )
                    % {"number": order.number},
                )
            else:
                messages.success(
                    request,
                    _("The order was sent (order number %(number)s).") % {"number": order.number},
                )
            request.session.pop(_again_key(customer), None)
            detail = reverse("buyer-order-detail", kwargs={"order_id": order.pk})
            return redirect(f"{detail}?sent=1")
    if source == "cart":
        # Keep what was typed in the cart itself and show the cart's own address again, with
        # its ＋/− buttons: a reload or the back button then never sends or loses anything.
        typed = _save_cart_form(request, member, customer, request.POST)
        request.session[_attempt_key(customer)] = {
            "post": _kept_fields(request.POST),
            "problems": problems,
            "typed": typed,
            "unusual_unconfirmed": unusual_unconfirmed,
        }
        return redirect("buyer-cart", supplier_code=supplier_code)
    # The same for the lines of an earlier order or the usual items, which are not in the cart:
    # the page comes back at an address of its own, so a reload shows it again, sends nothing.
    request.session[_again_key(customer)] = {
        "post": _kept_fields(request.POST),
        "problems": problems,
        "unusual_unconfirmed": unusual_unconfirmed,
    }
    return redirect("buyer-send", supplier_code=supplier_code)


def _again_key(customer: Customer) -> str:
    return f"{_attempt_key(customer)}.again"


def _kept_fields(data: QueryDict) -> dict[str, list[str]]:
    return {
        name: data.getlist(name) for name in data if name not in {"csrfmiddlewaretoken", "action"}
    }


def _refused_again(
    request: HttpRequest, member: Membership, customer: Customer, attempt: dict[str, Any]
) -> HttpResponse:
    data = QueryDict(mutable=True)
    for name, values in attempt["post"].items():
        data.setlist(name, values)
    posted = _posted_order(data, customer)
    return _confirmation(
        request,
        member,
        customer,
        posted.requests,
        source=data.get("source", "again"),
        problems=attempt["problems"],
        chosen_date=posted.delivery_date,
        chosen_location=posted.location,
        note=posted.note,
        key=data.get("idempotency_key", ""),
        order_form=posted.order_form,
        typed=posted.typed,
        unusual_unconfirmed=attempt.get("unusual_unconfirmed", False),
    )


@login_required
@require_http_methods(["GET", "POST"])
def change(request: HttpRequest, order_id: UUID) -> HttpResponse:
    """Change an order the supplier has not accepted yet, on the same confirmation page."""
    member = require_buyer(request, write=request.method == "POST")
    order = get_order_for_buyer(member, order_id)
    customer = get_account_for_member(member, order.customer.supplier.code)
    if request.method == "GET":
        requests = [
            LineRequest(line.product, line.quantity, line.order_unit, line.note)
            for line in order.lines.select_related("product")
        ]
        return _confirmation(
            request,
            member,
            customer,
            requests,
            source="change",
            chosen_date=order.requested_delivery_date,
            chosen_location=order.location,
            note=order.note,
            changing=order,
        )
    posted = _posted_order(request.POST, customer)
    requests, problems, chosen = posted.requests, posted.problems, posted.delivery_date
    note, order_form = posted.note, posted.order_form
    unusual_unconfirmed = not problems and _unusual_unconfirmed(request, member, customer, requests)
    if not problems and not unusual_unconfirmed:
        try:
            services.change_order(
                order,
                actor=member,
                version=posted_version(request.POST.get("version", "")),
                lines=[r for r in requests if r.quantity > 0],
                delivery_date=chosen,
                note=note,
                form_values=order_form.answers(),
            )
        except services.OrderRejectedError as error:
            problems = error.problems
        else:
            messages.success(request, _("Order %(number)s was changed.") % {"number": order.number})
            return redirect("buyer-order-detail", order_id=order.pk)
    return _confirmation(
        request,
        member,
        customer,
        requests,
        source="change",
        problems=problems,
        chosen_date=chosen,
        chosen_location=order.location,
        note=note,
        order_form=order_form,
        changing=order,
        typed=posted.typed,
        unusual_unconfirmed=unusual_unconfirmed,
        status=400,
    )


@login_required
@require_GET
def usual_items(request: HttpRequest, supplier_code: str) -> HttpResponse:
    """The organization's usual items on the confirmation page, each at its last quantity."""
    member = require_buyer(request)
    customer = get_account_for_member(member, supplier_code)
    favourites = selectors.visible_products(customer).filter(
        pk__in=selectors.favourite_ids(member, customer)
    )
    last = selectors.last_quantities(member, customer)
    requests = [
        LineRequest(
            product, *last.get(product.pk, (max(product.min_quantity, 1), default_unit(product)))
        )
        for product in favourites
    ]
    return _confirmation(request, member, customer, requests, source="again")
