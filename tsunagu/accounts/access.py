"""The only way a request finds the organization it acts for.

Later apps build their `get_<thing>_for_member(member, id)` helpers on `require_membership`.
"""

from __future__ import annotations

from uuid import UUID

from allauth.account.internal.flows.reauthentication import raise_if_reauthentication_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest

from tsunagu.accounts.models import Invitation, Membership, Role, User
from tsunagu.accounts.selectors import memberships_of

ACTIVE_ORGANIZATION_SESSION_KEY = "tsunagu_active_organization"


def active_membership(request: HttpRequest) -> Membership | None:
    """The membership the signed-in user is acting through, or None.

    The organization chosen in the switcher (kept in the session) wins while the user is still a
    member of it; otherwise the first membership is used, so a removed membership takes effect on
    the next request.
    """
    user = request.user
    if not isinstance(user, User):
        return None
    memberships = list(memberships_of(user))
    if not memberships:
        return None
    chosen = request.session.get(ACTIVE_ORGANIZATION_SESSION_KEY)
    for membership in memberships:
        if str(membership.organization_id) == chosen:
            return membership
    return memberships[0]


def signed_in_user(request: HttpRequest) -> User:
    """The signed-in user; views behind login_required call this instead of reading request.user."""
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user


def get_membership_for_user(user: User, organization_code: str) -> Membership:
    """The user's membership in the organization with this code; 404 for any other code."""
    try:
        return memberships_of(user).get(organization__code=organization_code)
    except Membership.DoesNotExist:
        raise Http404 from None


def require_membership(request: HttpRequest) -> Membership:
    membership: Membership | None = getattr(request, "membership", None)
    if membership is None:
        raise Http404
    return membership


def require_recent_login(request: HttpRequest) -> None:
    """Before a sensitive change, the password must have been entered in the last few minutes
    (ACCOUNT_REAUTHENTICATION_TIMEOUT), at login or when asked again. Otherwise allauth asks for
    it and then carries on with the same request. Reading a page never asks."""
    if request.method not in {"GET", "HEAD", "OPTIONS"}:
        raise_if_reauthentication_required(request, app="tsunagu")


def require_admin(request: HttpRequest) -> Membership:
    """The active membership if it may manage the organization (owner, admin); 403 otherwise."""
    membership = require_membership(request)
    if not membership.is_admin:
        raise PermissionDenied
    return membership


def get_member_for_admin(admin: Membership, membership_id: UUID) -> Membership:
    """A membership of the admin's own organization; any other id answers 404."""
    try:
        return Membership.objects.select_related("user", "organization").get(
            pk=membership_id, organization_id=admin.organization_id
        )
    except Membership.DoesNotExist:
        raise Http404 from None


def get_invitation_for_admin(admin: Membership, invitation_id: UUID) -> Invitation:
    """An invitation of the admin's own organization; any other id answers 404."""
    try:
        return Invitation.objects.select_related("organization").get(
            pk=invitation_id, organization_id=admin.organization_id
        )
    except Invitation.DoesNotExist:
        raise Http404 from None


READ_ROLES = {Role.OWNER, Role.ADMIN, Role.MEMBER, Role.VIEWER}
WRITE_ROLES = {Role.OWNER, Role.ADMIN, Role.MEMBER}


def require_supplier_staff(request: HttpRequest, *, write: bool = False) -> Membership:
    """The active membership if it is a supplier's and may read (or, with write, change) its
    master data and orders: owners, admins and members; viewers only read. 403 otherwise."""
    membership = require_membership(request)
    allowed = WRITE_ROLES if write else READ_ROLES
    if not membership.organization.is_supplier or membership.role not in allowed:
        raise PermissionDenied
    return membership
