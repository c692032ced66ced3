"""Shipping (出荷指示) and picking lists (ピッキングリスト): who ships what, and what to pick.

Writes are services (one transaction each, audited, an explicit actor); the reads the shipping
pages need are selectors that take the supplier explicitly and fetch related rows up front.

Locks are always taken order first, then its instructions, so that assigning and marking done
never wait for each other in opposite order.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from tsunagu.accounts.access import WRITE_ROLES
from tsunagu.accounts.models import Membership, Organization, Role, User
from tsunagu.audit import services as audit
from tsunagu.customers.models import Customer
from tsunagu.notifications import services as notifications
from tsunagu.notifications.rendering import html_from_text
from tsunagu.ordering.models import (
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
    OrderUnit,
    ShippingInstruction,
)
from tsunagu.ordering.recording import line_pieces
from tsunagu.ordering.services import move_order
from tsunagu.ordering.shipping_access import SHIPPING_WRITE_ROLES

# Who may be given shipping work: the shipping people, and the managers who sometimes ship.
ASSIGNABLE_ROLES = frozenset({Role.SHIPPING, Role.ADMIN, Role.OWNER})
WAREHOUSE_MAX_LENGTH = 60
REASON_MAX_LENGTH = 300
# The OrderEvent kind of a cannot-ship report: supplier-internal, not a step for the buyer.
CANNOT_SHIP_EVENT = "shipping_cannot_ship"

Status = ShippingInstruction.Status


class ShippingError(Exception):
    """The shipping step cannot be done as asked; the message says why, for the person."""


# ---- reads ------------------------------------------------------------------------------------


def delivery_day(order: Order) -> date:
    """The day the goods go out: the confirmed delivery date, else the one asked for."""
    return order.delivery_date or order.requested_delivery_date


def _on_day(day: date, prefix: str = "") -> Q:
    # Written as two plain comparisons (not Coalesce) so the date indexes stay usable.
    return Q(**{f"{prefix}delivery_date": day}) | Q(
        **{f"{prefix}delivery_date__isnull": True, f"{prefix}requested_delivery_date": day}
    )


def quantity_to_ship(line: OrderLine) -> int:
    """In the line's own unit: the confirmed quantity after a shortage, else the ordered one."""
    return line.confirmed_quantity if line.confirmed_quantity is not None else line.quantity


@dataclass(frozen=True)
class ShipLine:
    """One line as the warehouse reads it: what, how many, in cases or pieces."""

    line: OrderLine
    quantity: int
    pieces: int

    @property
    def is_case(self) -> bool:
        return self.line.order_unit == OrderUnit.CASE


def ship_lines(lines: Iterable[OrderLine]) -> list[ShipLine]:
    """The lines with something to ship (a line cut to zero by a shortage has nothing)."""
    return [
        ShipLine(line, quantity_to_ship(line), line_pieces(line))
        for line in lines
        if quantity_to_ship(line) > 0
    ]


@dataclass(frozen=True)
class InstructionRow:
    instruction: ShippingInstruction
    day: date
    lines: list[ShipLine]

    @property
    def is_open(self) -> bool:
        return self.instruction.status == Status.OPEN


def filter_instructions(
    instructions: QuerySet[ShippingInstruction],
    *,
    day: date | None = None,
    assignee_id: UUID | None = None,
    status: str = "",
) -> QuerySet[ShippingInstruction]:
    if day is not None:
        instructions = instructions.filter(_on_day(day, "order__"))
    if assignee_id:
        instructions = instructions.filter(assignee_id=assignee_id)
    if status:
        instructions = instructions.filter(status=status)
    return instructions


def with_details(instructions: QuerySet[ShippingInstruction]) -> QuerySet[ShippingInstruction]:
    """What an instruction card shows, fetched up front: a fixed number of queries."""
    return instructions.select_related(
        "order__customer", "order__location", "line", "assignee"
    ).prefetch_related("order__lines")


def by_day(
    instructions: QuerySet[ShippingInstruction], *, newest_first: bool = False
) -> QuerySet[ShippingInstruction]:
    days = ["order__delivery_date", "order__requested_delivery_date"]
    if newest_first:
        days = [f"-{name}" for name in days]
    return instructions.order_by(*days, "order__number", "created_at")


def instruction_rows(instructions: Iterable[ShippingInstruction]) -> list[InstructionRow]:
    """Cards for instructions fetched `with_details`: a whole-order instruction shows every line
    of the order, a line instruction its one line."""
    rows = []
    for instruction in instructions:
        lines = (
            [instruction.line] if instruction.line is not None else instruction.order.lines.all()
        )
        rows.append(InstructionRow(instruction, delivery_day(instruction.order), ship_lines(lines)))
    return rows


def assignable_members(supplier: Organization) -> QuerySet[Membership]:
    """The people who may be given shipping work, for the assign form and the filters."""
    return (
        Membership.objects.filter(organization=supplier, role__in=ASSIGNABLE_ROLES)
        .select_related("user")
        .order_by("user__name", "user__email")
    )


def delivery_routes(supplier: Organization) -> list[str]:
    return list(
        Customer.objects.filter(supplier=supplier)
        .exclude(delivery_route="")
        .order_by("delivery_route")
        .values_list("delivery_route", flat=True)
        .distinct()
    )


@dataclass
class ProductTotal:
    """One product over every order of the picking list."""

    product_code: str
    product_name: str
    unit: str
    units_per_case: int | None
    pieces: int = 0

    @property
    def cases(self) -> int:
        return self.pieces // self.units_per_case if self.units_per_case else 0

    @property
    def loose_pieces(self) -> int:
        return self.pieces % self.units_per_case if self.units_per_case else self.pieces


@dataclass
class OrderPick:
    order: Order
    lines: list[ShipLine] = field(default_factory=list)


@dataclass
class CustomerPick:
    customer: Customer
    orders: list[OrderPick] = field(default_factory=list)


@dataclass
class PickingList:
    day: date
    route: str
    totals: list[ProductTotal]
    customers: list[CustomerPick]

    @property
    def order_count(self) -> int:
        return sum(len(customer.orders) for customer in self.customers)


def picking_list(
    supplier: Organization, *, day: date, route: str = "", assignee: User | None = None
) -> PickingList:
    """What to pick for the accepted orders delivered on `day` (on one route if given): each
    product totalled, then each customer's lines. One query whatever the number of orders.

    With `assignee`, only what that person's open instructions ship."""
    lines = OrderLine.objects.filter(
        _on_day(day, "order__"), supplier_id=supplier.pk, order__status=OrderStatus.ACCEPTED
    )
    if route:
        lines = lines.filter(order__customer__delivery_route=route)
    if assignee is not None:
        mine = ShippingInstruction.objects.filter(
            supplier_id=supplier.pk, assignee=assignee, status=Status.OPEN
        )
        lines = lines.filter(
            Q(order_id__in=mine.filter(line__isnull=True).values("order_id"))
            | Q(pk__in=mine.filter(line__isnull=False).values("line_id"))
        )
    lines = lines.select_related("order__customer", "order__location", "product").order_by(
        "order__customer__customer_code", "order__number", "position"
    )
    totals: dict[UUID, ProductTotal] = {}
    customers: dict[UUID, CustomerPick] = {}
    orders: dict[UUID, OrderPick] = {}
    for ship_line in ship_lines(lines):
        line = ship_line.line
        product = line.product
        total = totals.setdefault(
            product.pk,
            ProductTotal(product.product_code, product.name, product.unit, product.units_per_case),
        )
        total.pieces += ship_line.pieces
        order = line.order
        if order.pk not in orders:
            orders[order.pk] = OrderPick(order)
            customer = customers.setdefault(order.customer_id, CustomerPick(order.customer))
            customer.orders.append(orders[order.pk])
        orders[order.pk].lines.append(ship_line)
    return PickingList(
        day=day,
        route=route,
        totals=sorted(totals.values(), key=lambda total: total.product_code),
        customers=list(customers.values()),
    )


# ---- writes -----------------------------------------------------------------------------------


def _check_may_ship(actor: Membership, instruction: ShippingInstruction) -> None:
    if actor.organization_id != instruction.supplier_id or actor.role not in SHIPPING_WRITE_ROLES:
        raise PermissionError("only the supplier's staff and shipping people mark shipping done")
    if actor.role == Role.SHIPPING and instruction.assignee_id != actor.user_id:
        raise PermissionError("a shipping person marks only their own instructions")


def _refuse_cancelled(order: Order) -> None:
    if order.status == OrderStatus.CANCELLED:
        raise ShippingError(
            _("Order %(number)s was cancelled: there is nothing to ship.")
            % {"number": order.number}
        )


@transaction.atomic
def assign_shipping(
    order: Order,
    *,
    actor: Membership,
    assignee: User | None,
    warehouse: str,
    lines: list[OrderLine] | None = None,
) -> list[ShippingInstruction]:
    """Give an accepted order (or some of its lines) to a person or a warehouse to ship.

    One instruction for the whole order, or one per line. The same order or lines assigned
    again move to the new assignee: their open instructions are replaced. The same assignment
    twice (a double click) changes nothing the second time."""
    order = Order.objects.select_for_update(no_key=True).get(pk=order.pk)
    if actor.organization_id != order.supplier_id or actor.role not in WRITE_ROLES:
        raise PermissionError("only the order's supplier's staff assign shipping")
    if order.status != OrderStatus.ACCEPTED:
        raise ShippingError(
            _("Order %(number)s is %(status)s: only accepted orders can be given to shipping.")
            % {"number": order.number, "status": OrderStatus(order.status).label}
        )
    warehouse = warehouse.strip()
    if assignee is None and not warehouse:
        raise ShippingError(_("Choose who ships it, or write the warehouse."))
    if len(warehouse) > WAREHOUSE_MAX_LENGTH:
        raise ShippingError(
            _("The warehouse name can be at most %(limit)d characters.")
            % {"limit": WAREHOUSE_MAX_LENGTH}
        )
    if (
        assignee is not None
        and not Membership.objects.filter(
            organization_id=order.supplier_id, user=assignee, role__in=ASSIGNABLE_ROLES
        ).exists()
    ):
        raise ShippingError(
            _(
                "%(name)s cannot be given shipping work: choose a person with the shipping, "
                "administrator or owner role."
            )
            % {"name": assignee}
        )
    chosen = list({line.pk: line for line in lines or []}.values())
    if any(line.order_id != order.pk for line in chosen):
        raise ShippingError(_("Choose lines of this order only."))

    open_instructions = ShippingInstruction.objects.select_for_update(no_key=True).filter(
        order=order, status=Status.OPEN
    )
    if chosen:
        if open_instructions.filter(line__isnull=True).exists():
            raise ShippingError(
                _(
                    "The whole order is already given to shipping: assign the whole order again "
                    "to change who ships it."
                )
            )
        replaced = list(open_instructions.filter(line__in=chosen).order_by("created_at"))
    else:
        replaced = list(open_instructions.order_by("created_at"))
    assignee_id = assignee.pk if assignee is not None else None
    wanted = sorted(str(line.pk) for line in chosen) if chosen else ["order"]
    if sorted(str(i.line_id or "order") for i in replaced) == wanted and all(
        i.assignee_id == assignee_id and i.warehouse == warehouse for i in replaced
    ):
        return replaced

    ShippingInstruction.objects.filter(pk__in=[i.pk for i in replaced]).delete()
    scope: list[OrderLine | None] = list(chosen) if chosen else [None]
    created = ShippingInstruction.objects.bulk_create(
        [
            ShippingInstruction(
                supplier_id=order.supplier_id,
                order=order,
                line=line,
                assignee=assignee,
                warehouse=warehouse,
                created_by=actor.user,
            )
            for line in scope
        ]
    )
    audit.record(
        "shipping.assigned",
        actor=actor.user,
        organization=actor.organization,
        target=order,
        changes={
            "assignee": assignee.email if assignee is not None else "",
            "warehouse": warehouse,
            "lines": [line.product_code for line in chosen],
            "instructions": [str(i.pk) for i in created],
            "replaced": [str(i.pk) for i in replaced],
        },
    )
    return created


def _is_fully_shipped(order: Order) -> bool:
    """Nothing is left open, and every line with something to ship is covered by a shipped
    instruction (a shipped whole-order instruction covers them all). A cannot-ship report that
    was assigned again and shipped no longer holds the order back."""
    instructions = list(
        ShippingInstruction.objects.filter(order=order).values_list("line_id", "status")
    )
    if any(status == Status.OPEN for _line, status in instructions):
        return False
    shipped = {line_id for line_id, status in instructions if status == Status.SHIPPED}
    if None in shipped:
        return True
    needed = {line.pk for line in order.lines.all() if quantity_to_ship(line) > 0}
    return bool(shipped) and needed <= shipped


@transaction.atomic
def mark_shipped(instruction: ShippingInstruction, *, actor: Membership) -> ShippingInstruction:
    """The goods of this instruction went out. When the whole order has gone out, the order
    becomes shipped (services.move_order, which tells the buyer). A second click changes
    nothing."""
    order = Order.objects.select_for_update(no_key=True).get(pk=instruction.order_id)
    instruction = ShippingInstruction.objects.select_for_update(no_key=True).get(pk=instruction.pk)
    _check_may_ship(actor, instruction)
    instruction.order = order
    if instruction.status == Status.SHIPPED:
        return instruction
    _refuse_cancelled(order)
    previous = instruction.status
    instruction.status = Status.SHIPPED
    instruction.reason = ""
    instruction.done_at = timezone.now()
    instruction.save(update_fields=["status", "reason", "done_at", "updated_at"])
    audit.record(
        "shipping.shipped",
        actor=actor.user,
        organization=actor.organization,
        target=order,
        changes={"instruction": str(instruction.pk), "status": [previous, Status.SHIPPED]},
    )
    if order.status == OrderStatus.ACCEPTED and _is_fully_shipped(order):
        instruction.order = move_order(order, to_status=OrderStatus.SHIPPED, actor=actor)
    return instruction


@transaction.atomic
def mark_cannot_ship(
    instruction: ShippingInstruction, *, actor: Membership, reason: str
) -> ShippingInstruction:
    """The goods of this instruction cannot go out, for a reason the supplier's administrators
    read (on the order's timeline and by mail). The order itself does not move."""
    reason = reason.strip()
    if not reason:
        raise ShippingError(_("Write why it cannot be shipped."))
    if len(reason) > REASON_MAX_LENGTH:
        raise ShippingError(
            _("The reason can be at most %(limit)d characters.") % {"limit": REASON_MAX_LENGTH}
        )
    # of=("self",): lock these rows only, not the customer, location or line joined to them.
    order = (
        Order.objects.select_for_update(of=("self",), no_key=True)
        .select_related("customer", "location")
        .get(pk=instruction.order_id)
    )
    instruction = (
        ShippingInstruction.objects.select_for_update(of=("self",), no_key=True)
        .select_related("line")
        .get(pk=instruction.pk)
    )
    _check_may_ship(actor, instruction)
    instruction.order = order
    if instruction.status == Status.CANNOT_SHIP:
        return instruction
    if instruction.status == Status.SHIPPED:
        raise ShippingError(_("This was already marked as shipped."))
    _refuse_cancelled(order)
    instruction.status = Status.CANNOT_SHIP
    instruction.reason = reason
    instruction.done_at = timezone.now()
    instruction.save(update_fields=["status", "reason", "done_at", "updated_at"])
    OrderEvent.objects.create(
        supplier_id=order.supplier_id,
        order=order,
        kind=CANNOT_SHIP_EVENT,
        to_status=order.status,
        actor=actor.user,
        note=reason,
    )
    audit.record(
        "shipping.cannot_ship",
        actor=actor.user,
        organization=actor.organization,
        target=order,
        changes={"instruction": str(instruction.pk), "reason": reason},
    )
    _tell_supplier_admins(instruction, actor=actor)
    return instruction


def _tell_supplier_admins(instruction: ShippingInstruction, *, actor: Membership) -> None:
    order = instruction.order
    what = (
        f"{instruction.line.product_name} ({instruction.line.product_code})"
        if instruction.line is not None
        else _("the whole order")
    )
    subject = "【{}】{}".format(
        _("Tsunagu"), _("Cannot ship: order %(number)s") % {"number": order.number}
    )
    url = settings.SITE_URL + reverse("supplier-order", args=[order.pk])
    text = "\n".join(
        [
            _("%(person)s cannot ship order %(number)s for %(customer)s (%(location)s).")
            % {
                "person": actor.user,
                "number": order.number,
                "customer": order.customer.name,
                "location": order.location.name,
            },
            _("What: %(what)s") % {"what": what},
            _("Reason: %(reason)s") % {"reason": instruction.reason},
            "",
            _("Give it to someone else, or tell the customer:") + f" {url}",
            "",
        ]
    )
    recipients = (
        Membership.objects.filter(
            organization_id=order.supplier_id, role__in=[Role.OWNER, Role.ADMIN]
        )
        .order_by("user__email")
        .values_list("user__email", flat=True)
        .distinct()
    )
    html = html_from_text(subject, text)
    for address in recipients:
        notifications.queue_email(
            to=address, subject=subject, text=text, html=html, organization=actor.organization
        )
