"""allauth announces two-step verification changes and confirmed addresses by signals: we record
the first in the log, and the second lets waiting invitation links take effect."""

from __future__ import annotations

from typing import Any

from allauth.account import signals as account_signals
from allauth.account.models import EmailAddress
from allauth.mfa import signals as mfa_signals
from django.contrib import messages
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils.translation import gettext as _

from tsunagu.accounts import security, services
from tsunagu.accounts.models import User


def _record(action: str, user: object, authenticator: Any) -> None:
    if isinstance(user, User):
        with transaction.atomic():
            security.record_for_user(
                action, user=user, changes={"type": str(getattr(authenticator, "type", ""))}
            )


@receiver(mfa_signals.authenticator_added)
def two_factor_added(sender: object, user: object, authenticator: Any, **kwargs: Any) -> None:
    _record("two_factor.enabled", user, authenticator)


@receiver(mfa_signals.authenticator_removed)
def two_factor_removed(sender: object, user: object, authenticator: Any, **kwargs: Any) -> None:
    _record("two_factor.disabled", user, authenticator)


@receiver(mfa_signals.authenticator_reset)
def two_factor_reset(sender: object, user: object, authenticator: Any, **kwargs: Any) -> None:
    _record("two_factor.recovery_codes_generated", user, authenticator)


@receiver(account_signals.email_confirmed)
def address_confirmed(
    sender: object, request: HttpRequest | None, email_address: EmailAddress, **kwargs: Any
) -> None:
    user = email_address.user
    if not isinstance(user, User) or email_address.email.lower() != user.email.lower():
        return
    joined = services.join_after_confirmation(user)
    if request is None:
        return
    for membership in joined:
        if request.user == user:
            services.switch_organization(request, membership=membership)
        messages.success(
            request,
            _("You have joined %(organization)s.") % {"organization": membership.organization},
        )
