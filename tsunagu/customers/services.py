"""Every write to customers and their delivery locations."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from tsunagu.accounts import invitations
from tsunagu.accounts import services as accounts
from tsunagu.accounts.invitations import InvitationError
from tsunagu.accounts.models import Membership, Organization, Role, User
from tsunagu.audit import services as audit
from tsunagu.customers.models import Customer, CustomerInvitation, Location
from tsunagu.notifications import services as notifications
from tsunagu.notifications.rendering import render_email


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
        customer = Customer.objects.select_for_update(no_key=True).get(pk=customer.pk)
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


@transaction.atomic
def invite_customer(
    customer: Customer,
    *,
    actor: Membership,
    kind: str,
    email: str = "",
    accept_url: Callable[[str], str],
) -> tuple[CustomerInvitation, str]:
    """Invite the customer's people to order online, by mail or as a link / QR code to hand
    over. Returns the invitation and its token (shown once, never stored)."""
    token, token_hash = invitations.new_token()
    invitation = CustomerInvitation.objects.create(
        supplier=actor.organization,
        customer=customer,
        kind=kind,
        email=email.strip().lower() if kind == CustomerInvitation.Kind.EMAIL else "",
        token_hash=token_hash,
        created_by=actor.user,
        expires_at=timezone.now() + timedelta(days=settings.INVITATION_VALID_DAYS),
    )
    audit.record(
        "customer.invited",
        actor=actor.user,
        organization=actor.organization,
        target=customer,
        changes={"kind": kind, "email": invitation.email},
    )
    if kind == CustomerInvitation.Kind.EMAIL:
        subject, text, html = render_email(
            "customers/email/customer_invitation",
            {
                "supplier": actor.organization,
                "customer": customer,
                "url": accept_url(token),
                "expires_at": invitation.expires_at,
            },
        )
        notifications.queue_email(
            to=invitation.email,
            subject=subject,
            text=text,
            html=html,
            organization=actor.organization,
        )
    return invitation, token


def find_customer_invitation(token: str) -> CustomerInvitation:
    invitation = (
        CustomerInvitation.objects.select_related("customer", "supplier", "customer__buyer")
        .filter(token_hash=invitations.hash_token(token))
        .first()
    )
    if invitation is None:
        raise InvitationError("invalid")
    invitations.check_usable(invitation)
    return invitation


@transaction.atomic
def accept_customer_invitation(
    invitation: CustomerInvitation,
    *,
    user: User,
    buyer: Organization | None,
    new_company_name: str = "",
) -> Membership:
    """Link the customer to the person's buyer organization: the one chosen (they must manage
    it), the one the customer is already linked to, or a new one named `new_company_name`."""
    invitation = (
        CustomerInvitation.objects.select_for_update(no_key=True)
        .select_related("customer")
        .get(pk=invitation.pk)
    )
    invitations.check_usable(invitation)
    invitations.check_addressee(invitation, user.email)
    customer = Customer.objects.select_for_update(no_key=True).get(pk=invitation.customer_id)
    if customer.buyer is not None:
        membership = Membership.objects.filter(user=user, organization=customer.buyer).first()
        if membership is None:
            # The person joins the buyer's own organization: its rules hold, as for its own
            # links (a member already in it gains nothing).
            if not customer.buyer.allows_email(user.email):
                raise InvitationError("domain", domains=", ".join(customer.buyer.email_domains))
            if invitations.needs_confirmed_address(invitation, user):
                raise InvitationError("unconfirmed")
            membership = Membership.objects.create(
                user=user, organization=customer.buyer, role=Role.MEMBER
            )
    elif buyer is not None:
        membership = Membership.objects.get(user=user, organization=buyer)
        if not membership.is_admin:
            raise PermissionError("only an owner or admin links their company")
        if not buyer.is_buyer:
            Organization.objects.filter(pk=buyer.pk).update(is_buyer=True)
    else:
        membership = accounts.create_buyer_organization(
            name=new_company_name or customer.name, owner=user
        )
    if customer.buyer_id is None:
        customer.buyer_id = membership.organization_id
        customer.save(update_fields=["buyer", "updated_at"])
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by", "updated_at"])
    audit.record(
        "customer.linked",
        actor=user,
        organization=invitation.supplier,
        target=customer,
        acting_for=membership.organization,
        changes={"buyer": str(membership.organization)},
    )
    return membership


@transaction.atomic
def register_by_customer_invitation(
    invitation: CustomerInvitation, *, email: str, name: str, password: str, company_name: str
) -> tuple[User, Membership]:
    """A customer's person without an account sets a password and links a new company of
    theirs in one step; no account is left behind when the invitation refuses them."""
    user = User.objects.create_user(email, password, name=name)
    EmailAddress.objects.create(
        user=user,
        email=email,
        primary=True,
        verified=invitation.kind == CustomerInvitation.Kind.EMAIL and invitation.email == email,
    )
    membership = accept_customer_invitation(
        invitation, user=user, buyer=None, new_company_name=company_name
    )
    return user, membership
