"""Shipping instructions, the shipping person's list, picking lists."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode, urlsplit
from uuid import UUID

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from tsunagu.accounts.access import require_supplier_staff
from tsunagu.accounts.models import Membership, User
from tsunagu.core.http import safe_next
from tsunagu.ordering import picking_pdf, shipping
from tsunagu.ordering.models import OrderStatus, ShippingInstruction
from tsunagu.ordering.shipping_access import (
    SHIPPING_WRITE_ROLES,
    get_instruction_for_member,
    get_order_for_supplier,
    instructions_for,
    require_shipping_area,
    sees_only_own_instructions,
)

INSTRUCTIONS_PAGE_SIZE = 50
# A shipping person sees what they shipped lately below their open work, not their whole past.
DONE_SHOWN = 20


class InstructionFilterForm(forms.Form):
    """The staff's view of every instruction: by delivery date, person and status."""

    day = forms.DateField(
        label=gettext_lazy("Delivery date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    assignee = forms.TypedChoiceField(
        label=gettext_lazy("Assigned to"), required=False, coerce=UUID, empty_value=None
    )
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[("", gettext_lazy("All statuses")), *ShippingInstruction.Status.choices],
    )

    def __init__(self, *args: Any, members: list[Membership], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [  # type: ignore[attr-defined]
            ("", _("Everyone")),
            *((str(member.user_id), str(member.user)) for member in members),
        ]


class CannotShipForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why can it not be shipped?"),
        max_length=shipping.REASON_MAX_LENGTH,
        error_messages={
            "required": gettext_lazy("Write why it cannot be shipped."),
            "max_length": gettext_lazy(
                "The reason can be at most %(limit_value)d characters (it has %(show_value)d)."
            ),
        },
    )


class PickingForm(forms.Form):
    day = forms.DateField(
        label=gettext_lazy("Delivery date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": gettext_lazy("Choose the delivery date.")},
    )
    route = forms.ChoiceField(label=gettext_lazy("Delivery route"), required=False)

    def __init__(self, *args: Any, routes: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["route"].choices = [  # type: ignore[attr-defined]
            ("", _("All routes")),
            *((route, route) for route in routes),
        ]


def _render_instructions(
    request: HttpRequest,
    member: Membership,
    *,
    query: QueryDict,
    failed: ShippingInstruction | None = None,
    failed_form: CannotShipForm | None = None,
) -> HttpResponse:
    """The list as the person last saw it (`query`), with a refused cannot-ship report kept."""
    context: dict[str, Any] = {
        "failed_form": failed_form,
        "failed_id": failed.pk if failed is not None else None,
    }
    mine = instructions_for(member)
    if sees_only_own_instructions(member):
        # An order cancelled after it was given to shipping is not work any more.
        still_open = mine.filter(status=shipping.Status.OPEN).exclude(
            order__status=OrderStatus.CANCELLED
        )
        open_rows = shipping.instruction_rows(shipping.with_details(shipping.by_day(still_open)))
        done_rows = shipping.instruction_rows(
            shipping.with_details(
                mine.exclude(status=shipping.Status.OPEN).order_by("-done_at", "-created_at")
            )[:DONE_SHOWN]
        )
        context.update(own_only=True, rows=open_rows, done_rows=done_rows)
    else:
        form = InstructionFilterForm(
            query or None, members=list(shipping.assignable_members(member.organization))
        )
        filters: dict[str, Any] = {}
        if form.is_bound:
            # A field with a bad value shows its error; the other fields still narrow the list.
            form.is_valid()
            filters = {name: value for name, value in form.cleaned_data.items() if value}
        instructions = shipping.by_day(
            shipping.filter_instructions(
                mine,
                day=filters.get("day"),
                assignee_id=filters.get("assignee"),
                status=filters.get("status", ""),
            ),
            newest_first=True,
        )
        page = Paginator(shipping.with_details(instructions), INSTRUCTIONS_PAGE_SIZE).get_page(
            query.get("page")
        )
        rows = shipping.instruction_rows(page)
        page_query = query.copy()
        page_query.pop("page", None)
        context.update(
            own_only=False,
            rows=rows,
            form=form,
            page=page,
            query=page_query.urlencode(),
            is_filtered=bool(filters) or bool(form.errors),
        )
    if failed is not None and all(row.instruction.pk != failed.pk for row in context["rows"]):
        # The refused card is not on the page the person came from: show it first.
        context["rows"] = shipping.instruction_rows(
            shipping.with_details(ShippingInstruction.objects.filter(pk=failed.pk))
        ) + list(context["rows"])
    context["can_act"] = member.role in SHIPPING_WRITE_ROLES
    # Where the buttons come back to: this list, as it was filtered.
    context["next"] = reverse("shipping-instructions") + (f"?{query.urlencode()}" if query else "")
    return render(request, "ordering/shipping_instructions.html", context)


@login_required
@require_GET
def instructions(request: HttpRequest) -> HttpResponse:
    """A shipping person's open work by delivery date; for the staff, every instruction."""
    member = require_shipping_area(request)
    return _render_instructions(request, member, query=request.GET)


@login_required
@require_POST
def mark_done(request: HttpRequest, instruction_id: UUID) -> HttpResponse:
    """The two big buttons: "Shipped", and "Cannot ship" with its reason."""
    member = require_shipping_area(request, write=True)
    instruction = get_instruction_for_member(member, instruction_id)
    order = instruction.order
    next_url = safe_next(request)
    action = request.POST.get("action", "")
    try:
        if action == "shipped":
            was_shipped = instruction.status == shipping.Status.SHIPPED
            done = shipping.mark_shipped(instruction, actor=member)
            if was_shipped:
                messages.info(
                    request,
                    _("Order %(number)s was already marked as shipped.") % {"number": order.number},
                )
            elif done.order.status == OrderStatus.SHIPPED:
                messages.success(
                    request,
                    _("Order %(number)s is now shipped.") % {"number": order.number},
                )
            else:
                messages.success(
                    request,
                    _("Marked as shipped (order %(number)s).") % {"number": order.number},
                )
        elif action == "cannot_ship":
            form = CannotShipForm(request.POST)
            if not form.is_valid():
                query = QueryDict(urlsplit(next_url).query) if next_url else QueryDict()
                return _render_instructions(
                    request, member, query=query, failed=instruction, failed_form=form
                )
            shipping.mark_cannot_ship(instruction, actor=member, reason=form.cleaned_data["reason"])
            messages.success(
                request,
                _("Reported as not shippable (order %(number)s): your administrators are told.")
                % {"number": order.number},
            )
        else:
            return HttpResponseBadRequest()
    except shipping.ShippingError as error:
        messages.error(request, str(error))
    return redirect(next_url or "shipping-instructions")


@login_required
@require_POST
def assign(request: HttpRequest, order_id: UUID) -> HttpResponse:
    """The assign form of the supplier's order page: a person and/or a warehouse, and
    optionally some of the lines."""
    member = require_supplier_staff(request, write=True)
    order = get_order_for_supplier(member, order_id)
    back = redirect("supplier-order", order_id=order.pk)
    assignee: User | None = None
    assignee_id = request.POST.get("assignee", "").strip()
    if assignee_id:
        user_id = _uuid_or_none(assignee_id)
        chosen = (
            shipping.assignable_members(member.organization).filter(user_id=user_id).first()
            if user_id is not None
            else None
        )
        if chosen is None:
            messages.error(
                request,
                _(
                    "Choose a person of your organization with the shipping, administrator or "
                    "owner role."
                ),
            )
            return back
        assignee = chosen.user
    line_ids = [_uuid_or_none(value) for value in request.POST.getlist("line") if value]
    lines = list(order.lines.filter(pk__in=[i for i in line_ids if i is not None]))
    if len(lines) != len(set(line_ids)):
        messages.error(request, _("Choose lines of this order only."))
        return back
    try:
        created = shipping.assign_shipping(
            order,
            actor=member,
            assignee=assignee,
            warehouse=request.POST.get("warehouse", ""),
            lines=lines or None,
        )
    except shipping.ShippingError as error:
        messages.error(request, str(error))
        return back
    who = created[0].assignee or created[0].warehouse
    if created[0].assignee and created[0].warehouse:
        who = f"{created[0].assignee} ({created[0].warehouse})"
    if lines:
        messages.success(
            request,
            _("%(count)d lines of order %(number)s were given to %(who)s to ship.")
            % {"count": len(created), "number": order.number, "who": who},
        )
    else:
        messages.success(
            request,
            _("Order %(number)s was given to %(who)s to ship.")
            % {"number": order.number, "who": who},
        )
    return back


def _uuid_or_none(value: str) -> UUID | None:
    try:
        return UUID(value)
    except ValueError:
        return None


def _picking(member: Membership, day: date, route: str) -> shipping.PickingList:
    return shipping.picking_list(
        member.organization,
        day=day,
        route=route,
        assignee=member.user if sees_only_own_instructions(member) else None,
    )


def _render_picking(
    request: HttpRequest,
    member: Membership,
    form: PickingForm,
    picking: shipping.PickingList | None,
    *,
    status: int = 200,
) -> HttpResponse:
    pdf_query = (
        urlencode({"day": picking.day.isoformat(), "route": picking.route})
        if picking is not None
        else ""
    )
    return render(
        request,
        "ordering/picking_list.html",
        {
            "form": form,
            "picking": picking,
            "own_only": sees_only_own_instructions(member),
            "pdf_query": pdf_query,
        },
        status=status,
    )


@login_required
@require_GET
def picking_list(request: HttpRequest) -> HttpResponse:
    """What to pick for a delivery date (and route), totalled by product, then by customer.

    A shipping person's list holds only what their open instructions ship."""
    member = require_shipping_area(request)
    routes = shipping.delivery_routes(member.organization)
    today = timezone.localdate()
    form = PickingForm(request.GET or None, routes=routes, initial={"day": today})
    wanted: tuple[date, str] | None = (today, "") if not form.is_bound else None
    if form.is_bound and form.is_valid():
        wanted = (form.cleaned_data["day"], form.cleaned_data["route"])
    picking = _picking(member, *wanted) if wanted is not None else None
    return _render_picking(request, member, form, picking)


@login_required
@require_GET
def picking_list_pdf(request: HttpRequest) -> HttpResponse:
    """The same picking list as a PDF to print (?day=YYYY-MM-DD&route=…), made on demand and
    never stored. A bad date or route shows the picking page with the message at the field."""
    member = require_shipping_area(request)
    form = PickingForm(request.GET, routes=shipping.delivery_routes(member.organization))
    if not form.is_valid():
        return _render_picking(request, member, form, None, status=400)
    picking = _picking(member, form.cleaned_data["day"], form.cleaned_data["route"])
    data = picking_pdf.render_picking_list(
        picking, printed_at=timezone.localtime(), own_only=sees_only_own_instructions(member)
    )
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{picking_pdf.filename(picking)}"'
    response["Content-Length"] = str(len(data))
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'self'"
    return response
