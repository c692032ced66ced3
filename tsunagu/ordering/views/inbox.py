"""The supplier's order inbox, its delivery calendar, the order page and its changes."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tsunagu.accounts.access import require_supplier_staff
from tsunagu.accounts.models import Membership, Role
from tsunagu.catalog.models import Product
from tsunagu.core import bounds
from tsunagu.core.http import safe_next
from tsunagu.core.text import normalize_code, normalize_number_text
from tsunagu.ordering import selectors, services
from tsunagu.ordering.forms import posted_version
from tsunagu.ordering.models import Channel, Order, OrderStatus, OrderUnit
from tsunagu.ordering.supplier_access import get_order_for_supplier

PAGE_SIZE = 50
NEXT_MOVES: dict[str, list[str]] = {
    OrderStatus.SUBMITTED: [OrderStatus.ACCEPTED],
    OrderStatus.ACCEPTED: [OrderStatus.SHIPPED],
    OrderStatus.SHIPPED: [OrderStatus.DELIVERED],
}


def _day(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(raw or "")
    except ValueError:
        return None


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    member = require_supplier_staff(request)
    status = request.GET.get("status", "")
    status = status if status in OrderStatus.values else ""
    channel = request.GET.get("channel", "")
    channel = channel if channel in Channel.values else ""
    day = _day(request.GET.get("date"))
    query = request.GET.get("q", "").strip()
    unanswered = request.GET.get("unanswered") == "1"
    orders = selectors.inbox_orders(
        member.organization_id,
        status=status,
        channel=channel,
        delivery_date=day,
        query=query,
        unanswered=unanswered,
    )
    counts = selectors.status_counts(member.organization_id)
    paginator = Paginator(orders, PAGE_SIZE)
    if not (channel or day or query or unanswered):
        # The status counts already say how many orders the list holds: no second count.
        paginator.count = counts.get(status, 0) if status else sum(counts.values())
    page = paginator.get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "ordering/supplier_inbox.html",
        {
            "page": page,
            "query": params.urlencode(),
            "status": status,
            "channel": channel,
            "day": day,
            "q": query,
            "unanswered": unanswered,
            "counts": [
                (value, label, counts.get(value, 0))
                for value, label in OrderStatus.choices
                if value != OrderStatus.PENDING_APPROVAL
            ],
            "channels": Channel.choices,
            "can_write": member.role != Role.VIEWER,
        },
    )


@login_required
@require_GET
def delivery_calendar(request: HttpRequest) -> HttpResponse:
    """Orders by delivery date, a week at a time."""
    member = require_supplier_staff(request)
    start = _day(request.GET.get("week")) or timezone.localdate()
    start -= timedelta(days=start.weekday())
    days = [start + timedelta(days=n) for n in range(7)]
    rows = (
        Order.objects.filter(supplier_id=member.organization_id)
        .exclude(status__in=[OrderStatus.PENDING_APPROVAL, OrderStatus.CANCELLED])
        .filter(
            Q(delivery_date__range=(days[0], days[-1]))
            | Q(delivery_date__isnull=True, requested_delivery_date__range=(days[0], days[-1]))
        )
        .values("delivery_date", "requested_delivery_date", "status")
        .annotate(n=Count("id"))
    )
    grid: dict[date, dict[str, int]] = {day: {} for day in days}
    for row in rows:
        day = row["delivery_date"] or row["requested_delivery_date"]
        grid[day][row["status"]] = grid[day].get(row["status"], 0) + row["n"]
    return render(
        request,
        "ordering/supplier_calendar.html",
        {
            "days": [(day, grid[day], sum(grid[day].values())) for day in days],
            "previous": days[0] - timedelta(days=7),
            "next": days[0] + timedelta(days=7),
            "today": timezone.localdate(),
        },
    )


@login_required
@require_POST
def bulk(request: HttpRequest) -> HttpResponse:
    """Accept, or mark shipped, every ticked order; report what could not be moved."""
    member = require_supplier_staff(request, write=True)
    to_status = request.POST.get("to_status", "")
    if to_status not in {OrderStatus.ACCEPTED, OrderStatus.SHIPPED}:
        messages.error(request, _("Choose what to do with the ticked orders."))
        return redirect("supplier-inbox")
    ids = request.POST.getlist("order")
    orders = Order.objects.filter(supplier_id=member.organization_id, pk__in=ids)
    moved, refused = 0, []
    for order in orders:
        try:
            services.move_order(order, to_status=to_status, actor=member)
            moved += 1
        except services.StatusMoveError as error:
            refused.append(f"{order.number}: {error}")
    if moved:
        messages.success(
            request,
            _("%(count)s orders are now %(status)s.")
            % {"count": moved, "status": OrderStatus(to_status).label},
        )
    for line in refused:
        messages.error(request, line)
    if not ids:
        messages.error(request, _("Tick the orders first."))
    return redirect(safe_next(request) or reverse("supplier-inbox"))


def _order_context(order: Order, member: Membership) -> dict[str, object]:
    return {
        "order": order,
        "lines": list(order.lines.all()),
        "events": list(order.events.select_related("actor")),
        "revisions": list(order.revisions.select_related("actor")),
        "order_messages": list(order.messages.select_related("author")),
        "attachments": list(order.attachments.all()),
        "next_moves": [(s, OrderStatus(s).label) for s in NEXT_MOVES.get(order.status, [])],
        "can_cancel": OrderStatus.CANCELLED in services.ALLOWED_MOVES[order.status],
        "can_change": order.status in {OrderStatus.SUBMITTED, OrderStatus.ACCEPTED},
        "can_write": member.role != Role.VIEWER,
        "shipping_users": Membership.objects.filter(
            organization_id=member.organization_id, role=Role.SHIPPING
        ).select_related("user"),
        "instructions": list(order.shipping_instructions.select_related("assignee")),
        "today": timezone.localdate(),
        "shipped_on": services.shipped_on(order) if order.status == OrderStatus.SHIPPED else None,
    }


@login_required
@require_GET
def order_page(request: HttpRequest, order_id: UUID) -> HttpResponse:
    member = require_supplier_staff(request)
    order = get_order_for_supplier(member, order_id)
    return render(request, "ordering/supplier_order.html", _order_context(order, member))


@login_required
@require_POST
def move(request: HttpRequest, order_id: UUID) -> HttpResponse:
    member = require_supplier_staff(request, write=True)
    order = get_order_for_supplier(member, order_id)
    to_status = request.POST.get("to_status", "")
    if to_status not in OrderStatus.values:
        messages.error(request, _("Choose what to do with the order."))
        return redirect("supplier-order", order_id=order.pk)
    typed_day = request.POST.get("delivered_on", "").strip()
    try:
        if typed_day and _day(typed_day) is None:
            raise services.StatusMoveError(_("Enter the day the goods arrived."))
        services.move_order(
            order,
            to_status=to_status,
            actor=member,
            note=request.POST.get("note", "")[:300],
            delivery_date=_day(request.POST.get("delivery_date")),
            delivered_on=_day(typed_day),
        )
    except services.StatusMoveError as error:
        context = _order_context(order, member)
        context.update(
            move_error=str(error),
            typed_note=request.POST.get("note", ""),
            typed_delivered_on=typed_day,
        )
        return render(request, "ordering/supplier_order.html", context, status=400)
    done = _("Order %(number)s is now %(status)s.") % {
        "number": order.number,
        "status": OrderStatus(to_status).label,
    }
    messages.success(request, f"{done} {_told(order)}")
    return redirect("supplier-order", order_id=order.pk)


def _told(order: Order) -> str:
    """Whether the buyer heard of the change: said truthfully on the page."""
    if services.buyer_recipients(order):
        return _("The customer was told.")
    return _(
        "The customer was not told by mail: it has no login and no e-mail address. "
        "Tell them by phone or FAX."
    )


@login_required
@require_POST
def change(request: HttpRequest, order_id: UUID) -> HttpResponse:
    """Shortages, lines added or removed, a new delivery date: one revision."""
    member = require_supplier_staff(request, write=True)
    order = get_order_for_supplier(member, order_id)
    changes: list[services.LineChange] = []
    problems: list[str] = []
    for line in order.lines.all():
        raw = request.POST.get(f"confirm-{line.pk}", "")
        if request.POST.get(f"remove-{line.pk}"):
            changes.append(services.LineChange("remove", line_id=line.pk))
        elif raw.strip():
            text = normalize_number_text(raw)
            if not text.isdigit():
                problems.append(
                    _("%(name)s: write the quantity you can deliver as a number.")
                    % {"name": line.product_name}
                )
            elif bounds.whole(text) and (
                problem := bounds.line_quantity_problem(
                    bounds.whole(text),
                    line.units_per_case if line.order_unit == OrderUnit.CASE else None,
                )
            ):
                problems.append(f"{line.product_name}: {problem}")
            else:
                changes.append(services.LineChange("confirm", line_id=line.pk, quantity=int(text)))
    add_code = normalize_code(request.POST.get("add_code", ""))
    if add_code:
        product = Product.objects.filter(
            supplier_id=member.organization_id, product_code__iexact=add_code
        ).first()
        quantity_text = normalize_number_text(request.POST.get("add_quantity", ""))
        if product is None:
            problems.append(_("No product has the code %(code)s.") % {"code": add_code})
        elif not quantity_text.isdigit():
            problems.append(_("Write the quantity of the added line as a number."))
        elif problem := bounds.line_quantity_problem(bounds.whole(quantity_text)):
            problems.append(f"{product.name}: {problem}")
        else:
            changes.append(services.LineChange("add", product=product, quantity=int(quantity_text)))
    new_date = _day(request.POST.get("delivery_date"))
    reason = request.POST.get("reason", "")
    if not problems:
        try:
            services.revise_order(
                order,
                actor=member,
                version=posted_version(request.POST.get("version", "")),
                changes=changes,
                delivery_date=new_date,
                reason=reason,
            )
        except services.OrderRejectedError as error:
            problems = [p for ps in error.problems.values() for p in ps]
        else:
            done = _("Order %(number)s was changed.") % {"number": order.number}
            messages.success(request, f"{done} {_told(order)}")
            return redirect("supplier-order", order_id=order.pk)
    order.refresh_from_db()
    context = _order_context(order, member)
    context.update(change_problems=problems, typed=request.POST)
    return render(request, "ordering/supplier_order.html", context, status=400)


@login_required
@require_POST
def message(request: HttpRequest, order_id: UUID) -> HttpResponse:
    """The supplier writes to the customer on the order's thread (mailed to the buyer)."""
    member = require_supplier_staff(request, write=True)
    order = get_order_for_supplier(member, order_id)
    body = request.POST.get("body", "").strip()
    if not body or len(body) > 2000:
        context = _order_context(order, member)
        context.update(
            message_error=_("Write a message of up to 2,000 characters."), typed_message=body
        )
        return render(request, "ordering/supplier_order.html", context, status=400)
    services.post_message(order, actor=member, body=body)
    messages.success(
        request, _("The message was sent to %(customer)s.") % {"customer": order.customer.name}
    )
    return redirect(f"{reverse('supplier-order', args=[order.pk])}#messages")
