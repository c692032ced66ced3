from __future__ import annotations

from collections.abc import Callable

from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from tsunagu.accounts.access import active_membership


class ActiveOrganizationMiddleware:
    """Sets request.membership (or None) for the signed-in user on every request.

    Read fresh each time so that a removed membership or a changed role takes effect at once.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.membership = active_membership(request)  # type: ignore[attr-defined]
        return self.get_response(request)


# Pages a member must still reach while two-step verification is being set up.
TWO_FACTOR_SETUP_PATHS = ("/accounts/", "/static/", "/i18n/", "/healthz")


class RequireTwoFactorMiddleware:
    """Members of an organization that requires two-step verification set it up first."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        membership = getattr(request, "membership", None)
        if (
            membership is not None
            and membership.organization.require_two_factor
            and not request.path.startswith(TWO_FACTOR_SETUP_PATHS)
            and not is_mfa_enabled(request.user, [Authenticator.Type.TOTP])
        ):
            messages.warning(
                request,
                _(
                    "%(organization)s requires two-step verification. Set it up with an "
                    "authenticator app on your phone to continue."
                )
                % {"organization": membership.organization},
            )
            return redirect("mfa_activate_totp")
        return self.get_response(request)
