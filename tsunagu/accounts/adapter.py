from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.sites.shortcuts import get_current_site
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.http import HttpRequest
from django.utils.functional import lazy
from django.utils.translation import gettext

from tsunagu.accounts import security
from tsunagu.accounts.models import User
from tsunagu.core.client_ip import client_ip
from tsunagu.notifications import services as notifications
from tsunagu.notifications.rendering import html_from_text


def _lockout_message() -> str:
    return gettext(
        "Too many failed logins: this account is locked for a while. Wait %(minutes)s minutes "
        "and try again, or reset your password."
    ) % {"minutes": settings.LOCKOUT_WINDOW_MINUTES}


def _address_paused_message() -> str:
    return gettext(
        "Too many failed logins from this network: logins from here are paused for a while. "
        "Wait %(minutes)s minutes and try again."
    ) % {"minutes": settings.LOCKOUT_WINDOW_MINUTES}


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "too_many_login_attempts": lazy(_lockout_message, str)(),
    }

    def format_email_subject(self, subject: str) -> str:
        return f"【{gettext('Tsunagu')}】{subject}"

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        """allauth's mails (verification, password reset…) go through our outbox like every mail."""
        request = allauth_context.request
        full_context = {
            "request": request,
            "email": email,
            "current_site": get_current_site(request),
        }
        full_context.update(context)
        message = self.render_mail(template_prefix, email, full_context)
        text, html = message.body, ""
        if isinstance(message, EmailMultiAlternatives):
            html = next(
                (str(body) for body, kind in message.alternatives if kind == "text/html"), ""
            )
        with transaction.atomic():
            notifications.queue_email(
                to=email,
                subject=str(message.subject),
                text=str(text),
                html=html or html_from_text(str(message.subject), str(text)),
            )

    def get_client_ip(self, request: HttpRequest) -> str:
        # The real client behind the TLS proxy (TRUSTED_PROXY_COUNT), for the rate limits.
        return client_ip(request)

    def _get_login_attempts_cache_key(self, request: HttpRequest, **credentials: Any) -> str:
        # allauth puts the site's domain in front, which without the sites framework is the Host
        # header with its port: any port would start a fresh count. The account alone counts.
        return f"login:{_login_of(credentials).strip().lower()}"

    def is_reauthentication_required(self, *, app: str, **kwargs: Any) -> bool:
        # allauth asks for the password again before every sensitive change unless it was asked
        # for separately. Having just logged in counts too: people who are not at ease with
        # computers should not type the password twice in a minute.
        request = allauth_context.request
        return request is None or not security.entered_password_recently(request)

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # Staff join by an administrator's invitation, never by open sign-up (DESIGN.md §3).
        return False

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        login = _login_of(credentials)
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError:
            if not security.account_limit_used_up(
                request, self._get_login_attempts_cache_key(request, **credentials)
            ):
                # Only the client's address has failed too often (for many accounts): say so,
                # and do not mark the account as locked.
                with transaction.atomic():
                    security.record_for_user(
                        "login.refused_address", user=security.user_for_login(login), email=login
                    )
                raise ValidationError(
                    _address_paused_message(), code="too_many_login_attempts"
                ) from None
            with transaction.atomic():
                security.record_lockout_once(request, login)
                security.record_for_user(
                    "login.refused_locked", user=security.user_for_login(login), email=login
                )
            raise

    def authentication_failed(self, request: HttpRequest, **credentials: Any) -> None:
        login = _login_of(credentials)
        with transaction.atomic():
            security.record_for_user(
                "login.failed", user=security.user_for_login(login), email=login
            )
            if security.account_limit_used_up(
                request, self._get_login_attempts_cache_key(request, **credentials)
            ):
                security.record_lockout_once(request, login)

    def login(self, request: HttpRequest, user: AbstractBaseUser) -> None:
        super().login(request, user)
        if isinstance(user, User):
            security.record_for_user("login.succeeded", user=user)

    def logout(self, request: HttpRequest) -> None:
        user = request.user
        if isinstance(user, User):
            security.record_for_user("logout", user=user)
        super().logout(request)


def _login_of(credentials: dict[str, Any]) -> str:
    return str(credentials.get("email") or credentials.get("username") or "")
