"""The buyer's order history and order page: read, talk to the supplier, cancel, approve."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, QuerySet, prefetch_related_objects
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tsunagu.accounts.models import Membership, Organization
from tsunagu.calendar.engine import TOKYO
from tsunagu.customers.models import Location
from tsunagu.ordering import services
from tsunagu.ordering.access import BUYER_ROLES, get_order_for_buyer, require_buyer
from tsunagu.ordering.models import Channel, Order, OrderEvent, OrderMessage, OrderStatus
from tsunagu.ordering.totals import order_totals

HISTORY_PAGE_SIZE = 30
MESSAGE_MAX_LENGTH = 2000
CANCEL_REASON_MAX_LENGTH = 300
# The same rule as services.cancel_order: the buyer may withdraw an order until it is accepted.
CANCELLABLE_STATUSES = {OrderStatus.PENDING_APPROVAL, OrderStatus.SUBMITTED}

# What each step of an order's life is called on its timeline (OrderEvent.kind).
EVENT_LABELS: dict[str, Promise] = {
    "placed": gettext_lazy("Order placed"),
    "approved": gettext_lazy("Approved by your administrator and sent to the supplier"),
    "cancelled": gettext_lazy("Cancelled"),
    "sent_back": gettext_lazy("Sent back by your administrator"),
    "changed": gettext_lazy("Order changed"),
    "revised": gettext_lazy("Changed by the supplier"),
    OrderStatus.PENDING_APPROVAL: gettext_lazy("Waiting for approval"),
    OrderStatus.SUBMITTED: gettext_lazy("Sent to the supplier"),
    OrderStatus.ACCEPTED: gettext_lazy("Accepted by the supplier"),
    OrderStatus.SHIPPED: gettext_lazy("Shipped"),
    OrderStatus.DELIVERED: gettext_lazy("Delivered"),
    OrderStatus.CANCELLED: gettext_lazy("Cancelled"),
}
PLACED_FOR_APPROVAL_LABEL = gettext_lazy("Order placed: waiting for approval")
# Steps people of the buyer take themselves; for the others the supplier, not a person, is named.
BUYER_EVENT_KINDS = {"placed", "approved", "cancelled", "sent_back"}


class OrderFilterForm(forms.Form):
    """The history page's search: every field optional, the typed values kept."""

    location = forms.ChoiceField(label=gettext_lazy("Location"), required=False)
    supplier = forms.ChoiceField(label=gettext_lazy("Supplier"), required=False)
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[("", gettext_lazy("All statuses")), *OrderStatus.choices],
    )
    date_from = forms.DateField(
        label=gettext_lazy("Ordered from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    date_to = forms.DateField(
        label=gettext_lazy("Ordered until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args: Any, locations: list[Location], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        suppliers: dict[str, Organization] = {}
        by_supplier: dict[str, list[tuple[str, str]]] = {}
        for location in locations:
            supplier = location.customer.supplier
            suppliers.setdefault(supplier.code, supplier)
            by_supplier.setdefault(supplier.name, []).append((str(location.pk), location.name))
        # The same shop is a location at each of its suppliers: group them by supplier.
        self.fields["location"].choices = [  # type: ignore[attr-defined]
            ("", _("All locations")),
            *(
                by_supplier.items()
                if len(by_supplier) > 1
                else [choice for choices in by_supplier.values() for choice in choices]
            ),
        ]
        self.fields["supplier"].choices = [  # type: ignore[attr-defined]
            ("", _("All suppliers")),
            *((code, supplier.name) for code, supplier in suppliers.items()),
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        return cleaned


class MessageForm(forms.Form):
    body = forms.CharField(
        label=gettext_lazy("Message to the supplier"),
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": gettext_lazy("Write a message before sending it."),
            "max_length": gettext_lazy(
                "A message can be at most %(limit_value)d characters (it has %(show_value)d)."
            ),
        },
    )


class SendBackForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why it goes back (the person who placed it reads this)"),
        max_length=CANCEL_REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={
            "required": gettext_lazy("Write what should be changed."),
            "max_length": gettext_lazy(
                "A reason can be at most %(limit_value)d characters (it has %(show_value)d)."
            ),
        },
    )


@dataclass(frozen=True)
class TimelineEntry:
    event: OrderEvent
    label: str
    actor_name: str


def buyer_orders(
    organization: Organization,
    *,
    location: str = "",
    supplier: str = "",
    status: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[Order]:
    """The organization's orders, newest first, with what a history row shows fetched up front."""
    orders = Order.objects.filter(buyer_id=organization.pk)
    if location:
        orders = orders.filter(location_id=location)
    if supplier:
        orders = orders.filter(supplier__code=supplier)
    if status:
        orders = orders.filter(status=status)
    # Days are Tokyo days, whatever the server's clock says.
    if date_from:
        orders = orders.filter(ordered_at__gte=datetime.combine(date_from, time.min, TOKYO))
    if date_to:
        end = datetime.combine(date_to + timedelta(days=1), time.min, TOKYO)
        orders = orders.filter(ordered_at__lt=end)
    unread = OrderMessage.objects.filter(
        order=OuterRef("pk"), from_supplier=True, read_by_buyer_at__isnull=True
    )
    return (
        orders.select_related("supplier", "customer", "location", "placed_by")
        .annotate(has_unread=Exists(unread))
        .order_by("-ordered_at", "-id")
    )


def _locations_of(organization: Organization) -> list[Location]:
    return list(
        Location.objects.filter(customer__buyer_id=organization.pk)
        .select_related("customer__supplier")
        .order_by("customer__supplier__name", "-is_default", "name")
    )


def _with_lines(orders: list[Order]) -> list[Order]:
    """The lines of a page's orders in one query (their taxes are computed from them)."""
    prefetch_related_objects(orders, "lines")
    return orders


@login_required
@require_GET
def order_history(request: HttpRequest) -> HttpResponse:
    """Every order of the active buyer organization, whoever placed it, with a search."""
    member = require_buyer(request)
    form = OrderFilterForm(request.GET or None, locations=_locations_of(member.organization))
    filters: dict[str, Any] = {}
    if form.is_bound:
        # A field with a bad value shows its error; the other fields still narrow the list.
        form.is_valid()
        filters = {name: value for name, value in form.cleaned_data.items() if value}
    page = Paginator(buyer_orders(member.organization, **filters), HISTORY_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "ordering/history.html",
        {
            "form": form,
            "page": page,
            "rows": [
                {"order": order, "totals": order_totals(order)} for order in _with_lines(list(page))
            ],
            "is_filtered": bool(filters) or bool(form.errors),
            "query": query.urlencode(),
        },
    )


def _render_order(
    request: HttpRequest,
    member: Membership,
    order: Order,
    message_form: MessageForm,
    *,
    unread: int = 0,
    send_back_form: SendBackForm | None = None,
) -> HttpResponse:
    supplier = order.customer.supplier
    timeline = [
        TimelineEntry(
            event,
            str(_event_label(event)),
            str(event.actor) if event.actor and event.kind in BUYER_EVENT_KINDS else "",
        )
        # The supplier's internal shipping notes are not the buyer's business.
        for event in order.events.select_related("actor").exclude(kind__startswith="shipping_")
    ]
    # One query for the lines shown and the totals worked out from them.
    prefetch_related_objects([order], "lines")
    lines = list(order.lines.all())
    can_write = member.role in BUYER_ROLES
    return render(
        request,
        "ordering/order_detail.html",
        {
            "order": order,
            "supplier": supplier,
            "lines": lines,
            "has_shortage": any(line.is_short for line in lines),
            "has_reduced_rate": any(line.tax_rate == 8 for line in lines),
            # Straight after sending, going home is the one main action, at the top of the page.
            "just_sent": request.GET.get("sent") == "1",
            "totals": order_totals(order),
            "hide_prices": order.customer.hide_prices,
            "timeline": timeline,
            "thread": list(order.messages.select_related("author")),
            "message_form": message_form,
            "can_write": can_write,
            "can_cancel": can_write and order.status in CANCELLABLE_STATUSES,
            "can_approve": member.is_admin and order.status == OrderStatus.PENDING_APPROVAL,
            "send_back_form": send_back_form or SendBackForm(),
            "sent_back": _sent_back(order, timeline),
            "unread": unread,
        },
    )


def _sent_back(order: Order, timeline: list[TimelineEntry]) -> TimelineEntry | None:
    """The send-back the order is still in: sent back, and not changed or approved since."""
    if order.status != OrderStatus.PENDING_APPROVAL:
        return None
    for entry in reversed(timeline):
        if entry.event.kind in {"changed", "approved"}:
            return None
        if entry.event.kind == "sent_back":
            return entry
    return None


def _event_label(event: OrderEvent) -> Promise | str:
    if event.kind == "placed" and event.to_status == OrderStatus.PENDING_APPROVAL:
        return PLACED_FOR_APPROVAL_LABEL
    if event.kind == "entered":
        # The note of an entry is the channel's code (fax, line, ...): said in words instead.
        channel = event.note if event.note in Channel.values else Channel.PHONE
        event.note = ""
        return _("Entered for you by the supplier (%(channel)s)") % {
            "channel": Channel(channel).label
        }
    label = EVENT_LABELS.get(event.kind) or EVENT_LABELS.get(event.to_status)
    return label if label is not None else event.kind


@login_required
@require_GET
def order_detail(request: HttpRequest, order_id: UUID) -> HttpResponse:
    member = require_buyer(request)
    order = get_order_for_buyer(member, order_id)
    unread = services.mark_messages_read(order, actor=member)
    return _render_order(request, member, order, MessageForm(), unread=unread)


@login_required
@require_POST
def order_message(request: HttpRequest, order_id: UUID) -> HttpResponse:
    member = require_buyer(request, write=True)
    order = get_order_for_buyer(member, order_id)
    form = MessageForm(request.POST)
    if not form.is_valid():
        form.fields["body"].widget.attrs["autofocus"] = True
        return _render_order(request, member, order, form)
    services.post_message(order, actor=member, body=form.cleaned_data["body"])
    messages.success(
        request,
        _("Your message was sent to %(supplier)s.") % {"supplier": order.customer.supplier.name},
    )
    return redirect(reverse("buyer-order-detail", args=[order.pk]) + "#messages")


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason (optional)"),
        required=False,
        max_length=CANCEL_REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("The supplier sees it, e.g. 「数を間違えました」."),
        error_messages={
            "max_length": gettext_lazy(
                "A reason can be at most %(limit_value)d characters (it has %(show_value)d)."
            ),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def order_cancel(request: HttpRequest, order_id: UUID) -> HttpResponse:
    """A question first (with an optional reason); only its own button cancels the order."""
    member = require_buyer(request, write=True)
    order = get_order_for_buyer(member, order_id)
    form = CancelForm(request.POST if request.POST.get("confirmed") else None)
    if request.method == "POST" and form.is_bound and form.is_valid():
        try:
            services.cancel_order(order, actor=member, reason=form.cleaned_data["reason"].strip())
        except services.OrderRejectedError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request, _("Order %(number)s was cancelled.") % {"number": order.number}
            )
        return redirect("buyer-order-detail", order_id=order.pk)
    if order.status not in CANCELLABLE_STATUSES:
        messages.error(
            request,
            _("The supplier has already accepted this order: send them a message to change it."),
        )
        return redirect("buyer-order-detail", order_id=order.pk)
    return render(request, "ordering/order_cancel.html", {"order": order, "form": form})


@login_required
@require_POST
def order_approve(request: HttpRequest, order_id: UUID) -> HttpResponse:
    member = require_buyer(request, write=True)
    order = get_order_for_buyer(member, order_id)
    if not member.is_admin:
        raise PermissionDenied
    was_waiting = order.status == OrderStatus.PENDING_APPROVAL
    approved = services.approve_order(order, actor=member)
    if was_waiting and approved.status == OrderStatus.SUBMITTED:
        messages.success(
            request,
            _("Order %(number)s was approved and sent to %(supplier)s.")
            % {"number": order.number, "supplier": order.customer.supplier.name},
        )
    else:
        messages.info(
            request, _("Order %(number)s does not need approval.") % {"number": order.number}
        )
    return redirect("buyer-order-detail", order_id=order.pk)


@login_required
@require_POST
def order_send_back(request: HttpRequest, order_id: UUID) -> HttpResponse:
    """The approver returns a waiting order to the person who placed it, with a reason."""
    member = require_buyer(request, write=True)
    order = get_order_for_buyer(member, order_id)
    if not member.is_admin:
        raise PermissionDenied
    form = SendBackForm(request.POST)
    if not form.is_valid():
        return _render_order(request, member, order, MessageForm(), send_back_form=form)
    try:
        services.send_back_order(order, actor=member, reason=form.cleaned_data["reason"].strip())
    except services.OrderRejectedError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("Order %(number)s was sent back to %(person)s.")
            % {"number": order.number, "person": order.placed_by or _("the person who placed it")},
        )
    return redirect("buyer-order-detail", order_id=order.pk)
