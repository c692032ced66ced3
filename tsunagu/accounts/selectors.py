from __future__ import annotations

from django.db.models import QuerySet

from tsunagu.accounts.models import Membership, User


def memberships_of(user: User) -> QuerySet[Membership]:
    """The user's memberships with their organizations, in a stable order for the switcher."""
    return (
        Membership.objects.filter(user=user)
        .select_related("organization")
        .order_by("organization__name_kana", "organization__name", "organization__code")
    )
