"""allauth announces two-step verification changes by signals; we record them in the log."""

from __future__ import annotations

from typing import Any

from allauth.mfa import signals as mfa_signals
from django.db import transaction
from django.dispatch import receiver

from tsunagu.accounts import security
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
