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
