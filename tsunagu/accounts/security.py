"""Login events in the operation log, and the lockout after repeated failures.

allauth counts failed logins per account and per IP in the shared cache (ACCOUNT_RATE_LIMITS,
"login_failed"). Once the account's count is used up, even the right password is refused until the
oldest failure leaves the window. Here we record each event and the moment the lock begins.
"""

from __future__ import annotations

import time

from allauth.account.internal.flows.login import get_authentication_records
from allauth.core.internal import ratelimit
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from tsunagu.accounts.models import Organization, User
from tsunagu.accounts.selectors import memberships_of
from tsunagu.audit import services as audit


def entered_password_recently(request: HttpRequest) -> bool:
    """True when the password (or a second factor) was entered, at login or on request, within
    ACCOUNT_REAUTHENTICATION_TIMEOUT."""
    records = get_authentication_records(request, request.user)
    return bool(records) and (
        time.time() - records[-1]["at"] < settings.ACCOUNT_REAUTHENTICATION_TIMEOUT
    )


def user_for_login(login: str) -> User | None:
    return User.objects.filter(email__iexact=login.strip()).first()


def record_for_user(
    action: str, *, user: User | None, email: str = "", changes: dict[str, object] | None = None
) -> None:
    """Record in every organization the person belongs to, so each admin sees it; otherwise in
    the platform's chain (an unknown e-mail address, a person without organization)."""
    organizations: list[Organization | None] = (
        [m.organization for m in memberships_of(user)] if user is not None else []
    )
    for organization in organizations or [None]:
        audit.record(
            action,
            actor=user,
            actor_email=email,
            organization=organization,
            target=user,
            target_label=user.email if user is not None else email,
            changes=changes,
        )


def account_limit_used_up(request: HttpRequest, key: str) -> bool:
    """True when the account's own failure count (the per-key part of "login_failed") is used
    up, as opposed to the per-address part."""
    now = time.time()
    for rate in ratelimit.get_rates(app="allauth.account", action="login_failed"):
        if rate.per != "key":
            continue
        cache_key = ratelimit.get_cache_key(
            request, app="allauth.account", action="login_failed", rate=rate, key=key
        )
        allowed, _history = ratelimit.apply_rate(
            list(cache.get(cache_key, [])), now, rate, dry_run=True
        )
        if not allowed:
            return True
    return False


def lockout_cache_key(login: str) -> str:
    return f"tsunagu:lockout-recorded:{login.strip().lower()}"


def record_lockout_once(request: HttpRequest, login: str) -> None:
    """The lock begins: record it once per window, however many refused attempts follow."""
    window = settings.LOCKOUT_WINDOW_MINUTES * 60
    if cache.add(lockout_cache_key(login), True, timeout=window):
        record_for_user(
            "login.locked_out",
            user=user_for_login(login),
            email=login,
            changes={
                "failures": settings.LOCKOUT_FAILURES,
                "window_minutes": settings.LOCKOUT_WINDOW_MINUTES,
            },
        )


def is_locked_out(login: str) -> bool:
    """True while the lock recorded for this login is in force (for the members page)."""
    return bool(cache.get(lockout_cache_key(login)))
