"""How a request reaches a supplier's calendar rows."""

from __future__ import annotations

from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest

from tsunagu.accounts.access import require_admin
from tsunagu.accounts.models import Membership
from tsunagu.calendar.models import ClosedDate


def require_supplier_admin(request: HttpRequest) -> Membership:
    """The active membership if it may manage a supplier's calendar: an owner or admin of a
    supplier. 403 for anyone else, like `accounts.access.require_admin`."""
    admin = require_admin(request)
    if not admin.organization.is_supplier:
        raise PermissionDenied
    return admin


def get_closed_date_for_admin(admin: Membership, closed_date_id: UUID) -> ClosedDate:
    """A closed date of the admin's own organization; any other id answers 404."""
    try:
        return ClosedDate.objects.select_related("supplier").get(
            pk=closed_date_id, supplier_id=admin.organization_id
        )
    except ClosedDate.DoesNotExist:
        raise Http404 from None
