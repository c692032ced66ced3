"""Every write to accounts and organizations."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any
from uuid import UUID

from allauth.account.models import EmailAddress
from allauth.core import ratelimit
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from tsunagu.accounts import invitations
from tsunagu.accounts.access import ACTIVE_ORGANIZATION_SESSION_KEY
from tsunagu.accounts.invitations import InvitationError
from tsunagu.accounts.models import Invitation, Membership, Organization, Role, User
from tsunagu.audit import services as audit
from tsunagu.core.ids import uuid7
from tsunagu.notifications import services as notifications
from tsunagu.notifications.rendering import render_email


def switch_organization(request: HttpRequest, *, membership: Membership) -> None:
    """Make ``membership`` the one the user acts through for the rest of the session."""
    request.session[ACTIVE_ORGANIZATION_SESSION_KEY] = str(membership.organization_id)


def send_address_confirmation(user: User, *, request: HttpRequest, signup: bool) -> bool:
    """Mail the person the link that confirms their login address; False within allauth's
    cooldown for this address (nothing is sent then)."""
    if not ratelimit.consume(request, action="confirm_email", key=user.email.lower()):
        return False
    address, _created = EmailAddress.objects.get_or_create(
        user=user, email__iexact=user.email, defaults={"email": user.email, "primary": True}
    )
    address.send_confirmation(request, signup=signup)
    return True


def ensure_organization(
    *,
    code: str,
    name: str,
    name_kana: str = "",
    is_supplier: bool = False,
    is_buyer: bool = False,
    profile: dict[str, Any] | None = None,
) -> tuple[Organization, bool]:
    """The organization with this code, created with these values when it does not exist yet
    (an existing one is left as its people have edited it)."""
    return Organization.objects.get_or_create(
        code=code,
        defaults={
            "name": name,
            "name_kana": name_kana,
            "is_supplier": is_supplier,
            "is_buyer": is_buyer,
            **(profile or {}),
        },
    )


@transaction.atomic
def ensure_member(
    organization: Organization, *, email: str, name: str, role: Role, password: str
) -> Membership:
    """A user with this e-mail (created with ``password`` if new) holding ``role`` here."""
    email = email.lower()
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User.objects.create_user(email, password, name=name)
    membership, created = Membership.objects.get_or_create(
        user=user, organization=organization, defaults={"role": role}
    )
    if not created and membership.role != role:
        membership.role = role
        membership.save(update_fields=["role", "updated_at"])
    return membership


class MembershipRuleError(Exception):
    """A change to memberships that the organization's rules do not allow; says why."""


def _changes(instance: object, data: dict[str, Any]) -> dict[str, list[Any]]:
    return {
        field: [getattr(instance, field), value]
        for field, value in data.items()
        if getattr(instance, field) != value
    }


@transaction.atomic
def update_organization(
    organization: Organization, *, actor: Membership, data: dict[str, Any]
) -> Organization:
    """Save the organization's profile and security settings; the changes go to the audit log."""
    organization = Organization.objects.select_for_update(no_key=True).get(pk=organization.pk)
    changes = _changes(organization, data)
    if not changes:
        return organization
    for field, (_old, new) in changes.items():
        setattr(organization, field, new)
    organization.save(update_fields=[*changes, "updated_at"])
    audit.record(
        "organization.updated",
        actor=actor.user,
        organization=organization,
        target=organization,
        changes={field: [str(old), str(new)] for field, (old, new) in changes.items()},
    )
    return organization


def _owner_count(organization_id: UUID) -> int:
    return Membership.objects.filter(organization_id=organization_id, role=Role.OWNER).count()


@transaction.atomic
def change_role(membership: Membership, *, actor: Membership, role: Role) -> Membership:
    """Give a member another role. Takes effect on their very next request."""
    membership = (
        Membership.objects.select_for_update(no_key=True)
        .select_related("user")
        .get(pk=membership.pk)
    )
    old = Role(membership.role)
    if old == role:
        return membership
    if Role.OWNER in {old, role} and actor.role != Role.OWNER:
        raise MembershipRuleError(_("Only an owner can make someone an owner or change an owner."))
    if old == Role.OWNER and _owner_count(membership.organization_id) == 1:
        raise MembershipRuleError(_("This is the only owner. Make someone else an owner first."))
    membership.role = role
    membership.save(update_fields=["role", "updated_at"])
    audit.record(
        "member.role_changed",
        actor=actor.user,
        organization=actor.organization,
        target=membership,
        target_label=membership.user.email,
        changes={"role": [old.value, role.value]},
    )
    return membership


@transaction.atomic
def remove_member(membership: Membership, *, actor: Membership) -> None:
    """Take a person out of the organization. Their open sessions lose access at once."""
    membership = (
        Membership.objects.select_for_update(no_key=True)
        .select_related("user")
        .get(pk=membership.pk)
    )
    if membership.role == Role.OWNER and actor.role != Role.OWNER:
        raise MembershipRuleError(_("Only an owner can remove an owner."))
    if membership.role == Role.OWNER and _owner_count(membership.organization_id) == 1:
        raise MembershipRuleError(_("This is the only owner and cannot be removed."))
    audit.record(
        "member.removed",
        actor=actor.user,
        organization=actor.organization,
        target=membership,
        target_label=membership.user.email,
        changes={"role": membership.role},
    )
    membership.delete()


@transaction.atomic
def create_invitation(
    organization: Organization,
    *,
    actor: Membership,
    kind: Invitation.Kind,
    role: Role,
    email: str = "",
    accept_url: Callable[[str], str],
) -> tuple[Invitation, str]:
    """Invite someone by e-mail, or make a single-use link (also shown as a QR code).

    Returns the invitation and its token; the token is not stored and cannot be shown again.
    `accept_url` turns the token into the full link for the mail.
    """
    email = email.strip().lower()
    if role == Role.OWNER and actor.role != Role.OWNER:
        raise MembershipRuleError(_("Only an owner can invite an owner."))
    if kind == Invitation.Kind.EMAIL and not organization.allows_email(email):
        raise InvitationError("domain", domains=", ".join(organization.email_domains))
    token, token_hash = invitations.new_token()
    invitation = Invitation.objects.create(
        organization=organization,
        kind=kind,
        email=email if kind == Invitation.Kind.EMAIL else "",
        role=role,
        token_hash=token_hash,
        created_by=actor.user,
        expires_at=timezone.now() + timedelta(days=settings.INVITATION_VALID_DAYS),
    )
    audit.record(
        "invitation.created",
        actor=actor.user,
        organization=organization,
        target=invitation,
        target_label=invitation.email or str(Invitation.Kind(kind).label),
        changes={"kind": kind, "role": role, "email": invitation.email},
    )
    if kind == Invitation.Kind.EMAIL:
        subject, text, html = render_email(
            "accounts/email/invitation",
            {
                "organization": organization,
                "inviter": actor.user,
                "role": Role(role).label,
                "url": accept_url(token),
                "expires_at": invitation.expires_at,
            },
        )
        notifications.queue_email(
            to=email, subject=subject, text=text, html=html, organization=organization
        )
    return invitation, token


@transaction.atomic
def revoke_invitation(invitation: Invitation, *, actor: Membership) -> Invitation:
    invitation = Invitation.objects.select_for_update(no_key=True).get(pk=invitation.pk)
    waiting = invitation.awaiting_confirmation
    if (invitation.accepted_at is None or waiting) and invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at", "updated_at"])
        audit.record(
            "invitation.revoked",
            actor=actor.user,
            organization=actor.organization,
            target=invitation,
            target_label=invitation.email or str(Invitation.Kind(invitation.kind).label),
        )
    return invitation


@transaction.atomic
def accept_invitation(invitation: Invitation, *, user: User) -> Membership | None:
    """The invited person joins with the invitation's role. Single use: a second try fails.

    A mailed invitation is for its addressee alone. A link (or QR code) can be used by whoever
    holds it, but membership waits until the person has confirmed their address by mail: then
    the organization's mail-domain rule means something. Returns None while it waits.
    """
    invitation = (
        Invitation.objects.select_for_update(no_key=True)
        .select_related("organization")
        .get(pk=invitation.pk)
    )
    invitations.check_usable(invitation)
    invitations.check_addressee(invitation, user.email)
    organization = invitation.organization
    if not organization.allows_email(user.email):
        raise InvitationError("domain", domains=", ".join(organization.email_domains))
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    if invitations.needs_confirmed_address(invitation, user):
        invitation.awaiting_confirmation = True
        invitation.save(
            update_fields=["accepted_at", "accepted_by", "awaiting_confirmation", "updated_at"]
        )
        audit.record(
            "invitation.awaiting_confirmation",
            actor=user,
            organization=organization,
            target=invitation,
            target_label=user.email,
            changes={"role": invitation.role},
        )
        return None
    invitation.save(update_fields=["accepted_at", "accepted_by", "updated_at"])
    return _join(invitation, user=user)


def _join(invitation: Invitation, *, user: User) -> Membership:
    membership, created = Membership.objects.get_or_create(
        user=user, organization=invitation.organization, defaults={"role": invitation.role}
    )
    audit.record(
        "invitation.accepted",
        actor=user,
        organization=invitation.organization,
        target=invitation,
        target_label=user.email,
        changes={"role": membership.role, "already_member": not created},
    )
    return membership


@transaction.atomic
def join_after_confirmation(user: User) -> list[Membership]:
    """The person has confirmed their address: the links they used waiting for it take effect
    (unless cancelled meanwhile, or the address no longer fits the organization's domains)."""
    waiting = (
        Invitation.objects.select_for_update(no_key=True)
        .select_related("organization")
        .filter(accepted_by=user, awaiting_confirmation=True)
    )
    joined = []
    for invitation in waiting:
        invitation.awaiting_confirmation = False
        invitation.save(update_fields=["awaiting_confirmation", "updated_at"])
        if invitation.revoked_at is None and invitation.organization.allows_email(user.email):
            joined.append(_join(invitation, user=user))
    return joined


@transaction.atomic
def register_by_invitation(
    invitation: Invitation, *, email: str, name: str, password: str
) -> tuple[User, Membership | None]:
    """A new person sets a password and joins in one step (or, by a link, once they have
    confirmed their address)."""
    user = User.objects.create_user(email, password, name=name)
    EmailAddress.objects.create(
        user=user,
        email=user.email,
        primary=True,
        verified=invitation.is_addressed_to(user.email),
    )
    audit.record("user.registered", actor=user, organization=invitation.organization, target=user)
    return user, accept_invitation(invitation, user=user)


@transaction.atomic
def create_buyer_organization(*, name: str, owner: User) -> Membership:
    """A new buyer organization with `owner` as its owner (a customer's people joining)."""
    code = f"buyer-{uuid7().hex[-10:]}"
    organization = Organization.objects.create(code=code, name=name, is_buyer=True)
    membership = Membership.objects.create(user=owner, organization=organization, role=Role.OWNER)
    audit.record(
        "organization.created", actor=owner, organization=organization, target=organization
    )
    return membership
