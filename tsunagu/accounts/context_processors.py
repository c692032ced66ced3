from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from tsunagu.accounts.models import User
from tsunagu.accounts.selectors import memberships_of


def active_organization(request: HttpRequest) -> dict[str, Any]:
    """The header's organization name and switcher entries."""
    membership = getattr(request, "membership", None)
    if membership is None or not isinstance(request.user, User):
        return {"membership": None, "organization": None, "other_memberships": []}
    others = [m for m in memberships_of(request.user) if m.pk != membership.pk]
    return {
        "membership": membership,
        "organization": membership.organization,
        "other_memberships": others,
    }
