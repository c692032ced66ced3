"""Invitation tokens: made here, shown once, stored only as their SHA-256."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import Protocol

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tsunagu.accounts import selectors
from tsunagu.accounts.models import Invitation, User


class InvitationError(Exception):
    """Why an invitation link cannot be used, in words for the person holding it."""

    messages = {
        "invalid": _("This invitation link is not valid. Check that the whole link was copied."),
        "expired": _(
            "This invitation has expired. Ask the administrator who invited you for a new one."
        ),
        "used": _("This invitation link has already been used. Each link works only once."),
        "revoked": _("This invitation was cancelled by the administrator."),
        "addressee": _(
            "This invitation was sent to another e-mail address. Log in with the address it was "
            "sent to, or ask the administrator to invite your own address."
        ),
        "unconfirmed": _(
            "This link adds you to a company that already uses Tsunagu, so your e-mail address "
            "must be confirmed first. Log in with a confirmed address, or ask the company's "
            "administrator to invite you."
        ),
        "domain": _(
            "This organization accepts only addresses at %(domains)s. "
            "Use your company address, or ask the administrator."
        ),
    }

    def __init__(self, code: str, **params: str) -> None:
        self.code = code
        self.message = str(self.messages[code]) % params if params else str(self.messages[code])
        super().__init__(self.message)


def new_token() -> tuple[str, str]:
    """(token for the link, hash to store)."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "ignore")).hexdigest()


def find_usable(token: str) -> Invitation:
    """The invitation behind a link, or InvitationError saying why it cannot be used."""
    invitation = (
        Invitation.objects.select_related("organization")
        .filter(token_hash=hash_token(token))
        .first()
    )
    if invitation is None:
        raise InvitationError("invalid")
    check_usable(invitation)
    return invitation


class SingleUseLink(Protocol):
    revoked_at: datetime | None
    accepted_at: datetime | None
    expires_at: datetime


class AddressedLink(Protocol):
    kind: str
    email: str


def check_addressee(invitation: AddressedLink, email: str) -> None:
    """A mailed invitation (kind "email", for organizations and customers alike) is for its
    addressee only, not for whoever holds the link."""
    if invitation.kind == "email" and invitation.email.lower() != email.strip().lower():
        raise InvitationError("addressee")


def needs_confirmed_address(invitation: AddressedLink, user: User) -> bool:
    """A link (kind "link", or its QR code) proves nothing about whoever holds it: joining an
    organization that way needs an address the person has confirmed by mail."""
    return invitation.kind == "link" and not selectors.has_confirmed_address(user)


def check_usable(invitation: SingleUseLink) -> None:
    if invitation.revoked_at is not None:
        raise InvitationError("revoked")
    if invitation.accepted_at is not None:
        raise InvitationError("used")
    if invitation.expires_at <= timezone.now():
        raise InvitationError("expired")
