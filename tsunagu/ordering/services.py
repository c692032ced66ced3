"""Every write of the ordering app: carts, favourites, sending, approving."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tsunagu.accounts.models import Membership, Role
from tsunagu.audit import services as audit
from tsunagu.calendar.engine import TOKYO, local_now
from tsunagu.catalog.models import Product
from tsunagu.customers.models import Customer, Location
from tsunagu.notifications import services as notifications
from tsunagu.notifications.rendering import render_email
from tsunagu.ordering import rules
from tsunagu.ordering.models import (
    CartLine,
    Favourite,
    Order,
    OrderAttachment,
    OrderEvent,
    OrderFormField,
    OrderLine,
    OrderMessage,
    OrderRevision,
    OrderSequence,
    OrderStatus,
    OrderUnit,
)
from tsunagu.ordering.recording import line_amount, line_pieces
from tsunagu.ordering.rules import LineRequest
from tsunagu.ordering.signals import order_status_changed


class OrderRejectedError(Exception):
    """The order cannot be sent as it is; `problems` says why, line by line."""

    def __init__(self, problems: dict[str, list[str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(p for ps in problems.values() for p in ps))


# ---- cart and favourites ----------------------------------------------------------------------


@transaction.atomic
def add_to_cart(
    member: Membership,
    customer: Customer,
    product: Product,
    *,
    quantity: int,
    order_unit: str,
    price_seen: Decimal | None = None,
) -> CartLine:
    """Put a product in the person's cart for this supplier (adding to a line already there)."""
    line, created = CartLine.objects.select_for_update(no_key=True).get_or_create(
        user=member.user,
        customer=customer,
        product=product,
        order_unit=order_unit,
        defaults={
            "supplier_id": customer.supplier_id,
            "buyer": member.organization,
            "quantity": quantity,
            "price_seen": price_seen,
        },
    )
    if not created:
        line.quantity += quantity
        line.save(update_fields=["quantity", "updated_at"])
    return line


def set_cart_quantity(line: CartLine, *, quantity: int) -> CartLine | None:
    if quantity <= 0:
        line.delete()
        return None
    line.quantity = quantity
    line.save(update_fields=["quantity", "updated_at"])
    return line


@transaction.atomic
def update_cart_line(
    line: CartLine, *, quantity: int, order_unit: str | None = None, note: str | None = None
) -> CartLine | None:
    """Save what the person typed on a cart line: quantity (0 takes it out), unit, note. A unit
    that another line of the same product already has joins that line."""
    line = CartLine.objects.select_for_update(no_key=True).get(pk=line.pk)
    if quantity <= 0:
        line.delete()
        return None
    if order_unit and order_unit != line.order_unit:
        twin = (
            CartLine.objects.select_for_update(no_key=True)
            .filter(
                user_id=line.user_id,
                customer_id=line.customer_id,
                product_id=line.product_id,
                order_unit=order_unit,
            )
            .first()
        )
        if twin is not None:
            twin.quantity += quantity
            twin.save(update_fields=["quantity", "updated_at"])
            line.delete()
            return twin
        line.order_unit = order_unit
    line.quantity = quantity
    if note is not None:
        line.note = note[:200]
    line.save(update_fields=["quantity", "order_unit", "note", "updated_at"])
    return line


@transaction.atomic
def toggle_favourite(member: Membership, product: Product) -> bool:
    """Mark or unmark a product as one the organization orders often; True when now marked."""
    deleted, _ = Favourite.objects.filter(buyer=member.organization, product=product).delete()
    if deleted:
        return False
    Favourite.objects.create(
        supplier_id=product.supplier_id, buyer=member.organization, product=product
    )
    return True


# ---- sending ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sent:
    order: Order
    created: bool


def _next_number(customer: Customer) -> str:
    OrderSequence.objects.get_or_create(supplier_id=customer.supplier_id)
    sequence = OrderSequence.objects.select_for_update(no_key=True).get(
        supplier_id=customer.supplier_id
    )
    sequence.last_number += 1
    sequence.save(update_fields=["last_number"])
    return f"S-{sequence.last_number:06d}"


def needs_approval(member: Membership, subtotal: Decimal) -> bool:
    threshold = member.organization.approval_threshold
    return (
        threshold is not None
        and member.role not in {Role.OWNER, Role.ADMIN}
        and subtotal > threshold
    )


def send_order(
    member: Membership,
    customer: Customer,
    *,
    location: Location,
    lines: list[LineRequest],
    delivery_date: date | None,
    note: str = "",
    form_values: dict[str, Any] | None = None,
    idempotency_key: str,
    now: datetime | None = None,
    clear_cart: bool = True,
) -> Sent:
    """Check everything again on the server and record the order with its number.

    Idempotent: the same `idempotency_key` (one per order form shown) gives back the order
    already made, whether the second call comes after the first or at the same moment."""
    existing = Order.objects.filter(
        supplier_id=customer.supplier_id, idempotency_key=idempotency_key
    ).first()
    if existing is not None:
        return Sent(existing, created=False)
    try:
        with transaction.atomic():
            order = _create_order(
                member,
                customer,
                location=location,
                lines=lines,
                delivery_date=delivery_date,
                note=note,
                form_values=form_values or {},
                idempotency_key=idempotency_key,
                now=now or timezone.now(),
                clear_cart=clear_cart,
            )
    except IntegrityError:
        # Another request with the same key committed first: that order is the one.
        existing = Order.objects.filter(
            supplier_id=customer.supplier_id, idempotency_key=idempotency_key
        ).first()
        if existing is None:
            raise
        return Sent(existing, created=False)
    return Sent(order, created=True)


def _create_order(
    member: Membership,
    customer: Customer,
    *,
    location: Location,
    lines: list[LineRequest],
    delivery_date: date | None,
    note: str,
    form_values: dict[str, Any],
    idempotency_key: str,
    now: datetime,
    clear_cart: bool,
) -> Order:
    if customer.buyer_id != member.organization_id or location.customer_id != customer.pk:
        raise PermissionError("the customer and location must be the member's own")
    checked, problems = rules.order_problems(
        customer, lines, delivery_date, now=now, no_lines=_("The order has no lines.")
    )
    subtotal = sum((line.amount for line in checked), Decimal(0))
    # A customer with hidden prices is not shown amounts, not even here.
    if below := rules.minimum_order_problem(customer, subtotal, amounts=not customer.hide_prices):
        problems.setdefault("order", []).append(below)
    if problems:
        raise OrderRejectedError(problems)
    assert delivery_date is not None  # noqa: S101 - checked above

    status = (
        OrderStatus.PENDING_APPROVAL if needs_approval(member, subtotal) else OrderStatus.SUBMITTED
    )
    order = Order.objects.create(
        supplier_id=customer.supplier_id,
        buyer=member.organization,
        customer=customer,
        location=location,
        number=_next_number(customer),
        status=status,
        requested_delivery_date=delivery_date,
        ordered_at=now,
        placed_by=member.user,
        note=note,
        form_values=form_values,
        subtotal=subtotal,
        shipping_fee=customer.shipping_fee_for(subtotal),
        idempotency_key=idempotency_key,
    )
    _write_lines(order, customer, checked)
    _hold_stock_or_refuse(order.lines.all())
    OrderEvent.objects.create(
        supplier_id=customer.supplier_id,
        order=order,
        kind="placed",
        to_status=status,
        actor=member.user,
    )
    changes = {
        "number": order.number,
        "lines": len(checked),
        "subtotal": str(subtotal),
        "status": status,
    }
    audit.record(
        "order.placed",
        actor=member.user,
        organization=member.organization,
        target=order,
        changes=changes,
    )
    audit.record(
        "order.received",
        actor=member.user,
        organization=customer.supplier,
        target=order,
        acting_for=member.organization,
        changes=changes,
    )
    if clear_cart:
        CartLine.objects.filter(
            user=member.user,
            customer=customer,
            product__in=[line.request.product for line in checked],
        ).delete()
    _mail_order(order, member)
    return order


def _write_lines(
    order: Order, customer: Customer, checked: list[rules.CheckedLine], *, start: int = 1
) -> None:
    """The lines as ordered, with the product's code, name, unit, price and tax rate copied in."""
    OrderLine.objects.bulk_create(
        OrderLine(
            supplier_id=customer.supplier_id,
            order=order,
            position=position,
            product=line.request.product,
            product_code=line.request.product.product_code,
            product_name=line.request.product.name,
            order_unit=line.request.order_unit,
            unit_label=line.request.product.unit,
            units_per_case=line.request.product.units_per_case,
            quantity=line.request.quantity,
            unit_price=line.price.unit_price if line.price else Decimal(0),
            tax_rate=line.request.product.tax_rate,
            amount=line.amount,
            note=line.request.note,
        )
        for position, line in enumerate(checked, start=start)
    )


def _mail_order(order: Order, member: Membership) -> None:
    context = {
        "order": order,
        "lines": list(order.lines.all()),
        "supplier": order.customer.supplier,
    }
    if order.status == OrderStatus.PENDING_APPROVAL:
        subject, text, html = render_email("ordering/email/approval_needed", context)
        for admin in Membership.objects.filter(
            organization=member.organization, role__in=[Role.OWNER, Role.ADMIN]
        ).select_related("user"):
            notifications.queue_email(
                to=admin.user.email,
                subject=subject,
                text=text,
                html=html,
                organization=member.organization,
            )
        return
    subject, text, html = render_email("ordering/email/order_confirmation", context)
    notifications.queue_email(
        to=member.user.email,
        subject=subject,
        text=text,
        html=html,
        organization=member.organization,
    )
    _notify_supplier(order, context)


def _notify_supplier(
    order: Order, context: dict[str, Any], template: str = "ordering/email/new_order"
) -> None:
    """Mail the supplier: its order address, or else its owners and admins."""
    supplier = order.customer.supplier
    recipients = (
        [supplier.email]
        if supplier.email
        else list(
            Membership.objects.filter(
                organization=supplier, role__in=[Role.OWNER, Role.ADMIN]
            ).values_list("user__email", flat=True)
        )
    )
    subject, text, html = render_email(template, context)
    for address in recipients:
        notifications.queue_email(
            to=address, subject=subject, text=text, html=html, organization=supplier
        )


@transaction.atomic
def approve_order(order: Order, *, actor: Membership) -> Order:
    """A buyer administrator lets a waiting order go to the supplier."""
    order = Order.objects.select_for_update(no_key=True).get(pk=order.pk)
    if order.status != OrderStatus.PENDING_APPROVAL:
        return order
    order.status = OrderStatus.SUBMITTED
    order.version += 1
    order.save(update_fields=["status", "version", "updated_at"])
    OrderEvent.objects.create(
        supplier_id=order.supplier_id,
        order=order,
        kind="approved",
        from_status=OrderStatus.PENDING_APPROVAL,
        to_status=OrderStatus.SUBMITTED,
        actor=actor.user,
    )
    audit.record("order.approved", actor=actor.user, organization=actor.organization, target=order)
    context = {
        "order": order,
        "lines": list(order.lines.all()),
        "supplier": order.customer.supplier,
    }
    _notify_supplier(order, context)
    if order.placed_by is not None:
        subject, text, html = render_email("ordering/email/order_confirmation", context)
        notifications.queue_email(
            to=order.placed_by.email,
            subject=subject,
            text=text,
            html=html,
            organization=actor.organization,
        )
    return order


@transaction.atomic
def cancel_order(order: Order, *, actor: Membership, reason: str = "") -> Order:
    """The buyer withdraws an order the supplier has not accepted yet."""
    order = Order.objects.select_for_update(no_key=True).get(pk=order.pk)
    if order.status not in {OrderStatus.PENDING_APPROVAL, OrderStatus.SUBMITTED}:
        raise OrderRejectedError(
            {
                "order": [
                    _(
                        "The supplier has already accepted this order: "
                        "send them a message to change it."
                    )
                ]
            }
        )
    previous = order.status
    _hold_stock(order.lines.all(), release=True)
    order.status = OrderStatus.CANCELLED
    order.version += 1
    order.save(update_fields=["status", "version", "updated_at"])
    OrderEvent.objects.create(
        supplier_id=order.supplier_id,
        order=order,
        kind="cancelled",
        from_status=previous,
        to_status=OrderStatus.CANCELLED,
        actor=actor.user,
        note=reason,
    )
    audit.record(
        "order.cancelled",
        actor=actor.user,
        organization=actor.organization,
        target=order,
        changes={"reason": reason},
    )
    return order


@transaction.atomic
def post_message(order: Order, *, actor: Membership, body: str) -> OrderMessage:
    """A message on the order's thread; the other side is told by mail."""
    from_supplier = actor.organization_id == order.supplier_id
    message = OrderMessage.objects.create(
        supplier_id=order.supplier_id,
        order=order,
        author=actor.user,
        from_supplier=from_supplier,
        body=body.strip(),
    )
    audit.record("order.message", actor=actor.user, organization=actor.organization, target=order)
    context = {"order": order, "message": message, "supplier": order.customer.supplier}
    if from_supplier:
        _tell_buyer(order, "ordering/email/order_message", context)
    else:
        _notify_supplier(order, context, "ordering/email/order_message")
    return message


def mark_messages_read(order: Order, *, actor: Membership) -> int:
    """The supplier's messages on this order count as read by the buyer from now on (the
    organization's, whoever opened it); returns how many were unread. Not audited: reading
    changes nothing of the business."""
    if actor.organization_id != order.buyer_id:
        return 0
    return OrderMessage.objects.filter(
        order=order, from_supplier=True, read_by_buyer_at__isnull=True
    ).update(read_by_buyer_at=timezone.now())


@transaction.atomic
def send_back_order(order: Order, *, actor: Membership, reason: str) -> Order:
    """A buyer administrator returns a waiting order to the person who placed it, with why.
    It keeps waiting for approval; once that person changes it, it can be approved."""
    order = Order.objects.select_for_update(no_key=True).get(pk=order.pk)
    if order.status != OrderStatus.PENDING_APPROVAL:
        raise OrderRejectedError({"order": [_("This order is no longer waiting for approval.")]})
    OrderEvent.objects.create(
        supplier_id=order.supplier_id,
        order=order,
        kind="sent_back",
        from_status=order.status,
        to_status=order.status,
        actor=actor.user,
        note=reason,
    )
    audit.record(
        "order.sent_back",
        actor=actor.user,
        organization=actor.organization,
        target=order,
        changes={"reason": reason},
    )
    if order.placed_by is not None and order.placed_by_id != actor.user_id:
        context = {"order": order, "reason": reason, "approver": actor.user}
        subject, text, html = render_email("ordering/email/order_sent_back", context)
        notifications.queue_email(
            to=order.placed_by.email,
            subject=subject,
            text=text,
            html=html,
            organization=actor.organization,
        )
    return order


# Status changes are data: the moves the supplier may make, and nothing else.
ALLOWED_MOVES: dict[str, set[str]] = {
    OrderStatus.SUBMITTED: {OrderStatus.ACCEPTED, OrderStatus.CANCELLED},
    OrderStatus.ACCEPTED: {OrderStatus.SHIPPED, OrderStatus.CANCELLED},
    OrderStatus.SHIPPED: {OrderStatus.DELIVERED},
    OrderStatus.DELIVERED: set(),
    OrderStatus.CANCELLED: set(),
    OrderStatus.PENDING_APPROVAL: set(),
}


class StatusMoveError(Exception):
    pass


@transaction.atomic
def move_order(
    order: Order,
    *,
    to_status: str,
    actor: Membership,
    delivery_date: date | None = None,
    note: str = "",
    delivered_on: date | None = None,
) -> Order:
    """Move an order along its status pipeline, with the row locked; refuses any other move.

    Marking it delivered records the day the goods arrived (`delivered_on`, today when not
    given): never in the future, never before the day it was marked shipped or placed.

    The stock an order holds since it was placed (_hold_stock) is given back when it is
    cancelled; accepting an older order that holds none takes it then. Cancelling needs a
    reason. The buyer is told by mail."""
    order = (
        Order.objects.select_for_update(of=("self",), no_key=True)
        .select_related("customer__supplier", "placed_by")
        .get(pk=order.pk)
    )
    if order.supplier_id != actor.organization_id:
        raise PermissionError("only the order's supplier moves it")
    if to_status not in ALLOWED_MOVES[order.status]:
        raise StatusMoveError(
            _("An order that is %(from)s cannot become %(to)s.")
            % {"from": OrderStatus(order.status).label, "to": OrderStatus(to_status).label}
        )
    if to_status == OrderStatus.CANCELLED and not note.strip():
        raise StatusMoveError(_("Write the reason for cancelling: the customer will read it."))
    if to_status == OrderStatus.ACCEPTED:
        # Orders placed before stock was reserved at placement reserve it now; others hold it.
        try:
            _hold_stock(order.lines.all())
        except NotEnoughStockError as error:
            raise StatusMoveError(
                _("Not enough stock to accept this order: %(items)s. Reduce the lines first.")
                % {"items": ", ".join(error.short.values())}
            ) from None
    elif to_status == OrderStatus.CANCELLED:
        _hold_stock(order.lines.all(), release=True)
    previous = order.status
    order.status = to_status
    fields = ["status", "version", "updated_at"]
    if to_status == OrderStatus.DELIVERED:
        order.delivered_on = _delivered_on(order, delivered_on)
        fields.append("delivered_on")
    if to_status == OrderStatus.CANCELLED:
        order.cancel_reason = note.strip()[:300]
        fields.append("cancel_reason")
    if delivery_date is not None or (
        to_status == OrderStatus.ACCEPTED and order.delivery_date is None
    ):
        order.delivery_date = delivery_date or order.requested_delivery_date
        fields.append("delivery_date")
    order.version += 1
    order.save(update_fields=fields)
    OrderEvent.objects.create(
        supplier_id=order.supplier_id,
        order=order,
        kind="status",
        from_status=previous,
        to_status=to_status,
        actor=actor.user,
        note=note,
    )
    changes: dict[str, Any] = {"status": [previous, to_status], "note": note}
    if to_status == OrderStatus.DELIVERED:
        changes["delivered_on"] = str(order.delivered_on)
    audit.record(
        "order.status_changed",
        actor=actor.user,
        organization=actor.organization,
        target=order,
        changes=changes,
    )
    _tell_buyer(order, "ordering/email/status_changed", {"previous": previous, "note": note})
    order_status_changed.send(sender=Order, order=order, previous=previous, actor=actor)
    return order


def shipped_on(order: Order) -> date | None:
    """The day the order was marked shipped (Tokyo), when it was."""
    event = (
        order.events.filter(kind="status", to_status=OrderStatus.SHIPPED)
        .order_by("-created_at")
        .first()
    )
    return timezone.localtime(event.created_at, TOKYO).date() if event is not None else None


def _delivered_on(order: Order, day: date | None) -> date:
    today = timezone.localtime(timezone.now(), TOKYO).date()
    day = day or today
    if day > today:
        raise StatusMoveError(_("The delivery date cannot be in the future."))
    shipped = shipped_on(order)
    if shipped is not None and day < shipped:
        raise StatusMoveError(
            _("The order was shipped on %(shipped)s: it cannot have arrived before that.")
            % {"shipped": shipped.strftime("%Y/%m/%d")}
        )
    # An order recorded from CSV as shipped has no shipping step: the day it was ordered bounds.
    ordered = timezone.localtime(order.ordered_at, TOKYO).date()
    if day < ordered:
        raise StatusMoveError(
            _("The order was placed on %(ordered)s: it cannot have arrived before that.")
            % {"ordered": ordered.strftime("%Y/%m/%d")}
        )
    return day


@transaction.atomic
def add_order_form_field(*, actor: Membership, data: dict[str, Any]) -> OrderFormField:
    """Add one of the supplier's own questions to every order form."""
    position = OrderFormField.objects.filter(supplier=actor.organization).count()
    field = OrderFormField.objects.create(supplier=actor.organization, position=position, **data)
    audit.record(
        "order_form_field.created",
        actor=actor.user,
        organization=actor.organization,
        target=field,
        changes={k: str(v) for k, v in data.items()},
    )
    return field


CHANGEABLE = {OrderStatus.PENDING_APPROVAL, OrderStatus.SUBMITTED}


@transaction.atomic
def change_order(
    order: Order,
    *,
    actor: Membership,
    version: int,
    lines: list[LineRequest],
    delivery_date: date | None,
    note: str = "",
    form_values: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> Order:
    """The buyer changes an order the supplier has not accepted yet: same number, new lines.

    `version` is the one the person saw: if someone changed the order meanwhile, nothing is
    overwritten and the person is told."""
    order = (
        Order.objects.select_for_update(of=("self",), no_key=True)
        .select_related("customer__supplier")
        .get(pk=order.pk)
    )
    if order.status not in CHANGEABLE:
        raise OrderRejectedError(
            {
                "order": [
                    _(
                        "The supplier has already accepted this order: "
                        "send them a message to change it."
                    )
                ]
            }
        )
    if order.version != version:
        raise OrderRejectedError(
            {
                "order": [
                    _("Someone changed this order a moment ago. Check it again before changing it.")
                ]
            }
        )
    customer = order.customer
    now = now or timezone.now()
    # What the order holds is the buyer's to use again: given back before the check (and kept
    # if the change is refused, as the transaction is rolled back).
    _hold_stock(order.lines.all(), release=True)
    checked, problems = rules.order_problems(
        customer,
        lines,
        delivery_date,
        now=now,
        no_lines=_("The order has no lines. To withdraw it, cancel it instead."),
    )
    if problems:
        raise OrderRejectedError(problems)
    assert delivery_date is not None  # noqa: S101 - checked above
    before = {
        "subtotal": str(order.subtotal),
        "lines": order.lines.count(),
        "date": str(order.requested_delivery_date),
    }
    order.lines.all().delete()
    _write_lines(order, customer, checked)
    _hold_stock_or_refuse(order.lines.all())
    order.subtotal = sum((line.amount for line in checked), Decimal(0))
    order.shipping_fee = customer.shipping_fee_for(order.subtotal)
    order.requested_delivery_date = delivery_date
    order.note = note
    if form_values is not None:
        order.form_values = form_values
    order.version += 1
    order.save()
    OrderEvent.objects.create(
        supplier_id=order.supplier_id,
        order=order,
        kind="changed",
        to_status=order.status,
        actor=actor.user,
    )
    audit.record(
        "order.changed",
        actor=actor.user,
        organization=actor.organization,
        target=order,
        changes={
            "before": before,
            "after": {
                "subtotal": str(order.subtotal),
                "lines": len(checked),
                "date": str(delivery_date),
            },
        },
    )
    if order.status == OrderStatus.SUBMITTED:
        context = {"order": order, "lines": list(order.lines.all()), "supplier": customer.supplier}
        _notify_supplier(order, context, "ordering/email/order_changed")
    return order


class NotEnoughStockError(Exception):
    """Some tracked products have too little stock: `short` maps a product code to a sentence."""

    def __init__(self, short: dict[str, str]) -> None:
        self.short = short
        super().__init__(", ".join(short.values()))


def _hold_stock(
    lines: Iterable[OrderLine], *, release: bool = False, give_back_only: Collection[Any] = ()
) -> None:
    """Make each line hold out of stock what it stands for now (recording.line_pieces: the
    confirmed quantity after a shortage), or nothing with `release`; products that do not track
    stock hold nothing. Lines whose id is in `give_back_only` never hold more than they do: a
    revision cuts short what an order holds, it never takes for lines that hold nothing (an
    order recorded from CSV). The product rows are locked (in one order, by id) so that two
    orders never take the same last units; raises NotEnoughStockError and changes nothing when
    a product has too little."""
    lines = list(lines)
    tracked = {
        p.pk: p
        for p in Product.objects.select_for_update(no_key=True)
        .filter(pk__in={line.product_id for line in lines}, stock__isnull=False)
        .order_by("pk")
    }
    wanted: dict[Any, int] = {}
    changed = []
    for line in lines:
        target = 0 if release or line.product_id not in tracked else line_pieces(line)
        if line.pk in give_back_only:
            target = min(target, line.reserved_pieces)
        if target == line.reserved_pieces:
            continue
        if line.product_id in tracked:
            wanted[line.product_id] = wanted.get(line.product_id, 0) + target - line.reserved_pieces
        line.reserved_pieces = target
        changed.append(line)
    short = {}
    for product_id, pieces in wanted.items():
        product = tracked[product_id]
        assert product.stock is not None  # noqa: S101 - only tracked products are here
        if pieces > 0 and product.stock < pieces:
            short[product.product_code] = _("%(name)s: only %(stock)s %(unit)s in stock.") % {
                "name": product.name,
                "stock": product.stock.normalize(),
                "unit": product.unit,
            }
    if short:
        raise NotEnoughStockError(short)
    for product_id, pieces in wanted.items():
        product = tracked[product_id]
        product.stock = (product.stock or Decimal(0)) - pieces
    Product.objects.bulk_update([tracked[pk] for pk in wanted], ["stock"])
    OrderLine.objects.bulk_update(changed, ["reserved_pieces"])


def _hold_stock_or_refuse(
    lines: Iterable[OrderLine], *, give_back_only: Collection[Any] = ()
) -> None:
    """_hold_stock for an order being written: too little stock refuses it line by line."""
    try:
        _hold_stock(lines, give_back_only=give_back_only)
    except NotEnoughStockError as error:
        raise OrderRejectedError({code: [text] for code, text in error.short.items()}) from None


# The buyer's people who hear about an order the supplier entered for them: those who order.
BUYER_NOTICE_ROLES = (Role.OWNER, Role.ADMIN, Role.MEMBER)


def buyer_recipients(order: Order) -> list[str]:
    """Who is mailed about a change to the order. A web order: the person who placed it. An
    order the supplier entered (by phone, FAX, ...): the buyer organization's people who order,
    or the customer's own e-mail address when it has no login. Empty when nobody can be told."""
    if not order.entered_by_supplier:
        return [order.placed_by.email] if order.placed_by is not None else []
    if order.buyer_id is not None:
        return list(
            Membership.objects.filter(organization_id=order.buyer_id, role__in=BUYER_NOTICE_ROLES)
            .order_by("user__email")
            .values_list("user__email", flat=True)
            .distinct()
        )
    return [order.customer.email] if order.customer.email else []


def _tell_buyer(order: Order, template: str, extra: dict[str, Any]) -> list[str]:
    """Mail the buyer (buyer_recipients) about a change; the addresses mailed."""
    recipients = buyer_recipients(order)
    if not recipients:
        return []
    context = {
        "order": order,
        "lines": list(order.lines.all()),
        "supplier": order.customer.supplier,
        # A customer without a login gets no link to a page it cannot open.
        "has_login": order.buyer_id is not None,
        **extra,
    }
    subject, text, html = render_email(template, context)
    for address in recipients:
        notifications.queue_email(
            to=address, subject=subject, text=text, html=html, organization=order.buyer
        )
    return recipients


# ---- the supplier's side: proxy entry, attachments, changes ------------------------------------

ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024


class AttachmentRefusedError(Exception):
    pass


def _attachment_kind(name: str, data: bytes) -> str | None:
    """The content type of an order source we accept, from its bytes (not its name)."""
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    for magic, kind in (
        (b"\x89PNG\r\n\x1a\n", "image/png"),
        (b"\xff\xd8\xff", "image/jpeg"),
        (b"GIF8", "image/gif"),
    ):
        if data.startswith(magic):
            return kind
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if name.lower().endswith(".eml"):
        from email import message_from_bytes

        message = message_from_bytes(data)
        if message.get("From") or message.get("Subject") or message.get("Date"):
            return "message/rfc822"
    return None


@transaction.atomic
def store_attachment(*, actor: Membership, name: str, data: bytes) -> OrderAttachment:
    """Keep an order's source (FAX PDF, photo, .eml) encrypted, before or after the order exists."""
    if len(data) > ATTACHMENT_MAX_BYTES:
        raise AttachmentRefusedError(
            _("The file is larger than 10 MB. Scan it at a lower resolution.")
        )
    kind = _attachment_kind(name, data)
    if kind is None:
        raise AttachmentRefusedError(
            _("Attach a PDF, a photo (JPEG, PNG) or an e-mail (.eml) file.")
        )
    import hashlib

    from tsunagu.core.filestore import save_encrypted

    attachment = OrderAttachment.objects.create(
        supplier=actor.organization,
        original_name=name[:255],
        content_type=kind,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        storage_name=save_encrypted(data, folder="order-sources"),
        uploaded_by=actor.user,
    )
    audit.record(
        "order.source_attached",
        actor=actor.user,
        organization=actor.organization,
        target=attachment,
        changes={"name": name, "type": kind, "sha256": attachment.sha256},
    )
    return attachment


@dataclass(frozen=True)
class Override:
    """A buyer-side ordering rule a proxy entry sets aside: `rule` names it (PROXY_RULES),
    `product` is the product code of the line (blank for the whole order)."""

    rule: str
    product: str
    message: str

    @property
    def key(self) -> str:
        return f"{self.rule}:{self.product}"


# The buyer's ordering rules a supplier may set aside when it enters an order itself, with a
# confirmation and a reason. Inactive products, quantities under 1, cases of a product without
# a case size and stock that is not there are refused outright.
PROXY_RULES = {
    "min_quantity",
    "order_multiple",
    "case_only",
    "piece_only",
    "not_offered",
    "past_date",
    "delivery_date",
    "minimum_order",
    "other",
}


class OverridesNeedConfirmationError(Exception):
    """The proxy entry sets aside buyer-side rules that the person has not confirmed yet."""

    def __init__(self, overrides: list[Override]) -> None:
        self.overrides = overrides
        super().__init__("; ".join(o.message for o in overrides))


def proxy_overrides(
    customer: Customer, checked: list[rules.CheckedLine], delivery_date: date, *, now: datetime
) -> tuple[list[Override], dict[str, list[str]]]:
    """What a proxy entry sets aside of the buyer's rules, and what refuses it outright."""
    overrides: list[Override] = []
    refused: dict[str, list[str]] = {}
    for line in checked:
        request, product = line.request, line.request.product
        code = product.product_code
        if not product.is_active or request.quantity < 1:
            refused[code] = line.problems or [_("Enter a quantity of 1 or more.")]
            continue
        if request.order_unit == OrderUnit.CASE and not product.units_per_case:
            refused[code] = [_("This product is not sold by the case.")]
            continue
        found: list[tuple[str, str]] = []
        if product.visibility == Product.Visibility.SELECTED and not any(
            c.pk == customer.pk for c in product.visible_to.all()
        ):
            found.append(("not_offered", _("This product is not offered to this customer.")))
        if request.order_unit == OrderUnit.PIECE and not product.sold_by_piece:
            found.append(("case_only", _("This product is sold by the case only.")))
        if request.order_unit == OrderUnit.CASE and not product.sold_by_case:
            found.append(("piece_only", _("This product is not sold by the case.")))
        if line.pieces < product.min_quantity:
            found.append(("min_quantity", rules.min_quantity_problem(product)))
        if (
            request.order_unit == OrderUnit.PIECE
            and product.order_multiple > 1
            and request.quantity % product.order_multiple
        ):
            found.append(("order_multiple", rules.order_multiple_problem(product)))
        # The buyer-side sentences of the rules named above (the buyer reads "you").
        known = {message for _rule, message in found} | {
            _("This product is no longer offered to you.")
        }
        # Stock is checked (and taken) under a lock when the order is written.
        stock_words = rules.stock_problem(product)
        found += [
            ("other", problem)
            for problem in line.problems
            if problem not in known and problem != stock_words
        ]
        overrides += [Override(rule, code, message) for rule, message in found]
    today = local_now(now).date()
    if delivery_date < today:
        overrides.append(
            Override("past_date", "", _("The delivery date is in the past (before today)."))
        )
    elif rules.date_problem(customer, delivery_date, now=now):
        overrides.append(
            Override(
                "delivery_date",
                "",
                _(
                    "The customer could not choose this delivery date (closed, not its delivery "
                    "day, or past the order cutoff)."
                ),
            )
        )
    subtotal = sum((line.amount for line in checked), Decimal(0))
    if below := rules.minimum_order_problem(customer, subtotal):
        overrides.append(Override("minimum_order", "", below))
    return overrides, refused


@transaction.atomic
def enter_order_by_proxy(
    *,
    actor: Membership,
    customer: Customer,
    location: Location,
    lines: list[LineRequest],
    delivery_date: date,
    channel: str,
    note: str = "",
    attachments: list[OrderAttachment] | None = None,
    idempotency_key: str,
    confirmed_overrides: Collection[str] | None = None,
    override_reason: str = "",
    now: datetime | None = None,
) -> Sent:
    """代理入力: an order taken by phone, FAX, e-mail or LINE, entered by the supplier's staff.

    The buyer's ordering rules (minimum, lot, case or piece, the delivery date and its cutoff, a
    past date, the minimum order amount) may be set aside by the supplier, but never silently:
    unless every rule set aside is among `confirmed_overrides` (the keys the person saw and
    confirmed) and a reason is given, OverridesNeedConfirmationError lists them. Each override is
    recorded in the audit entry with the reason. `confirmed_overrides=None` is for records the
    system makes itself (demo data): everything set aside is taken, and still recorded.
    Recorded for whom it was entered, in both organizations' logs when the buyer has a login."""
    if customer.supplier_id != actor.organization_id or location.customer_id != customer.pk:
        raise PermissionError("the customer and location must be the actor's supplier's")
    existing = Order.objects.filter(
        supplier_id=customer.supplier_id, idempotency_key=idempotency_key
    ).first()
    if existing is not None:
        return Sent(existing, created=False)
    now = now or timezone.now()
    problems: dict[str, list[str]] = {}
    if not lines:
        problems["order"] = [_("The order has no lines.")]
    checked = rules.check_lines(customer, lines)
    overrides, refused = proxy_overrides(customer, checked, delivery_date, now=now)
    problems.update(refused)
    if problems:
        raise OrderRejectedError(problems)
    override_reason = override_reason.strip()[:300]
    unconfirmed = confirmed_overrides is not None and (
        not {o.key for o in overrides} <= set(confirmed_overrides) or not override_reason
    )
    if overrides and unconfirmed:
        raise OverridesNeedConfirmationError(overrides)
    subtotal = sum((line.amount for line in checked), Decimal(0))
    order = Order.objects.create(
        supplier_id=customer.supplier_id,
        buyer_id=customer.buyer_id,
        customer=customer,
        location=location,
        number=_next_number(customer),
        status=OrderStatus.SUBMITTED,
        channel=channel,
        requested_delivery_date=delivery_date,
        ordered_at=timezone.now(),
        placed_by=actor.user,
        note=note,
        subtotal=subtotal,
        shipping_fee=customer.shipping_fee_for(subtotal),
        idempotency_key=idempotency_key,
        entered_by_supplier=True,
    )
    _write_lines(order, customer, checked)
    _hold_stock_or_refuse(order.lines.all())
    OrderEvent.objects.create(
        supplier_id=order.supplier_id,
        order=order,
        kind="entered",
        to_status=order.status,
        actor=actor.user,
        note=channel,
    )
    if attachments:
        OrderAttachment.objects.filter(
            pk__in=[a.pk for a in attachments], supplier=actor.organization, order__isnull=True
        ).update(order=order)
    changes: dict[str, Any] = {
        "number": order.number,
        "channel": channel,
        "lines": len(checked),
        "subtotal": str(subtotal),
        "delivery_date": str(delivery_date),
    }
    if overrides:
        changes["overrides"] = [
            {"rule": o.rule, "product": o.product, "message": o.message} for o in overrides
        ]
        changes["override_reason"] = override_reason
    audit.record(
        "order.entered_by_proxy",
        actor=actor.user,
        organization=actor.organization,
        target=order,
        acting_for=customer.buyer,
        changes=changes,
    )
    if customer.buyer is not None:
        audit.record(
            "order.entered_by_proxy",
            actor=actor.user,
            organization=customer.buyer,
            target=order,
            acting_for=customer.buyer,
            changes=changes,
        )
    _tell_buyer(order, "ordering/email/order_entered", {})
    return Sent(order, created=True)


@dataclass(frozen=True)
class LineChange:
    """One change the supplier makes to an order: kind is "confirm" (a shortage: fewer than
    ordered), "remove" or "add"."""

    kind: str
    line_id: object = None
    product: Product | None = None
    quantity: int = 0
    order_unit: str = "piece"


@transaction.atomic
def revise_order(
    order: Order,
    *,
    actor: Membership,
    version: int,
    changes: list[LineChange],
    delivery_date: date | None = None,
    reason: str = "",
) -> Order:
    """The supplier changes an order before shipping: shortages, lines added or removed, the date.

    Each call is one revision the buyer can read. `version` is the one the person saw: when
    someone else changed the order meanwhile nothing is overwritten."""
    order = (
        Order.objects.select_for_update(of=("self",), no_key=True)
        .select_related("customer__supplier", "placed_by")
        .get(pk=order.pk)
    )
    if order.supplier_id != actor.organization_id:
        raise PermissionError("only the order's supplier revises it")
    if order.status not in {OrderStatus.SUBMITTED, OrderStatus.ACCEPTED}:
        raise OrderRejectedError(
            {"order": [_("A shipped, delivered or cancelled order cannot be changed.")]}
        )
    if order.version != version:
        raise OrderRejectedError(
            {
                "order": [
                    _("Someone changed this order a moment ago. Check it again before changing it.")
                ]
            }
        )
    customer = order.customer
    lines = {str(line.pk): line for line in order.lines.select_related("product")}
    record: list[dict[str, Any]] = []
    for change in changes:
        line = lines.get(str(change.line_id)) if change.line_id else None
        if change.kind == "confirm" and line is not None:
            if not 0 <= change.quantity <= line.quantity:
                raise OrderRejectedError(
                    {line.product_code: [_("A shortage is between 0 and the ordered quantity.")]}
                )
            before = (
                line.confirmed_quantity if line.confirmed_quantity is not None else line.quantity
            )
            if before == change.quantity:
                continue
            line.confirmed_quantity = change.quantity
            line.amount = line_amount(
                line.unit_price, line_pieces(line), customer.supplier.rounding
            )
            line.save(update_fields=["confirmed_quantity", "amount", "updated_at"])
            record.append(
                {
                    "kind": "shortage",
                    "product": line.product_code,
                    "name": line.product_name,
                    "from": before,
                    "to": change.quantity,
                }
            )
        elif change.kind == "remove" and line is not None:
            record.append(
                {
                    "kind": "removed",
                    "product": line.product_code,
                    "name": line.product_name,
                    "quantity": line.quantity,
                }
            )
            _hold_stock([line], release=True)
            line.delete()
        elif change.kind == "add" and change.product is not None:
            request = LineRequest(change.product, change.quantity, change.order_unit)
            (checked,) = rules.check_lines(customer, [request])
            if change.quantity < 1 or not change.product.is_active:
                raise OrderRejectedError(
                    {
                        change.product.product_code: checked.problems
                        or [_("Enter a quantity of 1 or more.")]
                    }
                )
            position = max((other.position for other in order.lines.all()), default=0) + 1
            _write_lines(order, customer, [checked], start=position)
            record.append(
                {
                    "kind": "added",
                    "product": change.product.product_code,
                    "name": change.product.name,
                    "quantity": change.quantity,
                }
            )
    if delivery_date is not None and delivery_date != (
        order.delivery_date or order.requested_delivery_date
    ):
        record.append(
            {
                "kind": "date",
                "from": str(order.delivery_date or order.requested_delivery_date),
                "to": str(delivery_date),
            }
        )
        order.delivery_date = delivery_date
    if not record:
        return order
    if not order.lines.exists():
        raise OrderRejectedError(
            {"order": [_("An order needs at least one line: cancel it instead.")]}
        )
    # A shortage gives back what is no longer delivered; an added line takes its stock; lines
    # the order had before take nothing more.
    _hold_stock_or_refuse(order.lines.all(), give_back_only={line.pk for line in lines.values()})
    order.subtotal = sum((line.amount for line in order.lines.all()), Decimal(0))
    order.shipping_fee = customer.shipping_fee_for(order.subtotal)
    order.version += 1
    order.save()
    number = order.revisions.count() + 1
    OrderRevision.objects.create(
        supplier_id=order.supplier_id,
        order=order,
        number=number,
        actor=actor.user,
        reason=reason.strip()[:300],
        changes=record,
    )
    OrderEvent.objects.create(
        supplier_id=order.supplier_id,
        order=order,
        kind="revised",
        to_status=order.status,
        actor=actor.user,
        note=reason,
    )
    audit.record(
        "order.revised",
        actor=actor.user,
        organization=actor.organization,
        target=order,
        changes={"revision": number, "changes": record, "reason": reason},
    )
    _tell_buyer(order, "ordering/email/order_revised", {"changes": record, "reason": reason})
    return order
