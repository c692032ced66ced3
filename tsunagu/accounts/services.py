"""Every write to accounts and organizations."""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest

from tsunagu.accounts.access import ACTIVE_ORGANIZATION_SESSION_KEY
from tsunagu.accounts.models import Membership, Organization, Role, User


def switch_organization(request: HttpRequest, *, membership: Membership) -> None:
    """Make ``membership`` the one the user acts through for the rest of the session."""
    request.session[ACTIVE_ORGANIZATION_SESSION_KEY] = str(membership.organization_id)


def ensure_organization(
    *, code: str, name: str, name_kana: str = "", is_supplier: bool = False, is_buyer: bool = False
) -> tuple[Organization, bool]:
    """The organization with this code, created with these values when it does not exist yet."""
    return Organization.objects.get_or_create(
        code=code,
        defaults={
            "name": name,
            "name_kana": name_kana,
            "is_supplier": is_supplier,
            "is_buyer": is_buyer,
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
