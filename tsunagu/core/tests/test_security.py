from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone


@pytest.mark.django_db
def test_pages_carry_a_strict_content_security_policy(client: Client) -> None:
    response = client.get(reverse("account_login"))

    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "<script>" not in response.content.decode()


@pytest.mark.django_db
def test_forms_are_protected_against_cross_site_posts(buyer_client: Client) -> None:
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = buyer_client.cookies

    response = strict.post(reverse("organization-switch"), {"organization": "test-buyer"})

    assert response.status_code == 403


@pytest.mark.django_db
def test_an_idle_session_is_logged_out(buyer_client: Client) -> None:
    assert buyer_client.get(reverse("account-settings")).status_code == 200

    with time_machine.travel(timezone.now() + timedelta(hours=2, minutes=1)):
        response = buyer_client.get(reverse("account-settings"), follow=True)

    assert response.redirect_chain[0][0].startswith("/accounts/login/")
    assert "しばらく操作がなかったため、ログアウトしました" in response.content.decode()
    assert "_auth_user_id" not in buyer_client.session


@pytest.mark.django_db
def test_an_active_session_stays(buyer_client: Client) -> None:
    for minutes in (50, 100, 150):
        with time_machine.travel(timezone.now() + timedelta(minutes=minutes)):
            assert buyer_client.get(reverse("account-settings")).status_code == 200
