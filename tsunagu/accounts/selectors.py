from __future__ import annotations

from uuid import UUID

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.db.models import Q, QuerySet
from django.utils import timezone

from tsunagu.accounts.models import Invitation, Membership, Organization, User


def memberships_of(user: User) -> QuerySet[Membership]:
    """The user's memberships with their organizations, in a stable order for the switcher."""
    return (
        Membership.objects.filter(user=user)
        .select_related("organization")
        .order_by("organization__name_kana", "organization__name", "organization__code")
    )


def members_of(organization: Organization) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(organization=organization)
        .select_related("user")
        .order_by("user__name", "user__email")
    )


def users_with_two_factor(organization: Organization) -> set[UUID]:
    """Ids of the organization's members who have set up TOTP (one query for the whole list)."""
    return set(
        Authenticator.objects.filter(
            user__memberships__organization=organization, type=Authenticator.Type.TOTP
        ).values_list("user_id", flat=True)
    )


def pending_invitations(organization: Organization) -> QuerySet[Invitation]:
    """Invitations not used yet, and links used by someone who has not confirmed their address."""
    return (
        Invitation.objects.filter(organization=organization, revoked_at__isnull=True)
        .filter(
            Q(accepted_at__isnull=True, expires_at__gt=timezone.now())
            | Q(awaiting_confirmation=True)
        )
        .select_related("accepted_by")
        .order_by("-created_at")
    )


def waiting_invitations(user: User) -> list[Invitation]:
    """Links this person used that wait for their address to be confirmed by mail."""
    return list(
        Invitation.objects.select_related("organization").filter(
            accepted_by=user, awaiting_confirmation=True, revoked_at__isnull=True
        )
    )


def has_confirmed_address(user: User) -> bool:
    """True when the person has confirmed (by mail) the address they log in with."""
    return EmailAddress.objects.filter(user=user, email__iexact=user.email, verified=True).exists()
