"""Every write to customers and their delivery locations."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from tsunagu.accounts.models import Membership
from tsunagu.audit import services as audit
from tsunagu.customers.models import Customer, Location


class InUseError(Exception):
    """A customer with orders or invoices cannot be deleted; says why."""


@transaction.atomic
def save_customer(
    customer: Customer | None, *, actor: Membership, data: dict[str, Any]
) -> Customer:
    """Create (customer None) or change a customer. A new customer gets its first location."""
    creating = customer is None
    if customer is None:
        customer = Customer(supplier=actor.organization)
        changes = {name: ["", str(value)] for name, value in data.items()}
    else:
        customer = Customer.objects.select_for_update().get(pk=customer.pk)
        changes = {
            name: [str(getattr(customer, name)), str(value)]
            for name, value in data.items()
            if getattr(customer, name) != value
        }
    for name, value in data.items():
        setattr(customer, name, value)
    customer.save()
    if creating:
        Location.objects.create(
            supplier=actor.organization,
            customer=customer,
            name=customer.name,
            postal_code=customer.postal_code,
            address=customer.address,
            phone=customer.phone,
            is_default=True,
        )
    audit.record(
        "customer.created" if creating else "customer.updated",
        actor=actor.user,
        organization=actor.organization,
        target=customer,
        changes=changes,
    )
    return customer


@transaction.atomic
def delete_customer(customer: Customer, *, actor: Membership) -> None:
    label = str(customer)
    try:
        customer.delete()
    except ProtectedError:
        raise InUseError(
            _("This customer has orders or invoices, so it cannot be deleted. Suspend it instead.")
        ) from None
    audit.record(
        "customer.deleted", actor=actor.user, organization=actor.organization, target_label=label
    )


@transaction.atomic
def save_location(
    location: Location | None, *, customer: Customer, actor: Membership, data: dict[str, Any]
) -> Location:
    """Add or change a delivery location; the one marked default becomes the only default."""
    creating = location is None
    location = location or Location(supplier=actor.organization, customer=customer)
    for name, value in data.items():
        setattr(location, name, value)
    if (
        not Location.objects.filter(customer=customer, is_default=True)
        .exclude(pk=location.pk)
        .exists()
    ):
        location.is_default = True
    location.save()
    if location.is_default:
        Location.objects.filter(customer=customer, is_default=True).exclude(pk=location.pk).update(
            is_default=False
        )
    audit.record(
        "location.created" if creating else "location.updated",
        actor=actor.user,
        organization=actor.organization,
        target=location,
        target_label=f"{customer.customer_code} {location.name}",
        changes={name: str(value) for name, value in data.items()},
    )
    return location


@transaction.atomic
def delete_location(location: Location, *, actor: Membership) -> None:
    if Location.objects.filter(customer_id=location.customer_id).count() <= 1:
        raise InUseError(_("The last delivery location cannot be deleted: a customer needs one."))
    label = f"{location.customer.customer_code} {location.name}"
    was_default = location.is_default
    try:
        location.delete()
    except ProtectedError:
        raise InUseError(_("Orders go to this location, so it cannot be deleted.")) from None
    if was_default:
        first = Location.objects.filter(customer_id=location.customer_id).order_by("name").first()
        if first is not None:
            Location.objects.filter(pk=first.pk).update(is_default=True)
    audit.record(
        "location.deleted", actor=actor.user, organization=actor.organization, target_label=label
    )
