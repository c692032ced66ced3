from __future__ import annotations

import http.cookiejar
import re
import urllib.parse
import urllib.request

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from tsunagu.accounts import security
from tsunagu.accounts.models import Membership
from tsunagu.audit.models import AuditEntry
from tsunagu.ops.demo import DEMO_PASSWORD

LOCKED = "ログインの失敗が続いたため、このアカウントはしばらくロックされています"
ADDRESS_PAUSED = "このネットワークからのログインの失敗が続いたため、しばらくログインを止めています"


def log_in(client: Client, email: str, password: str) -> str:
    return client.post(
        reverse("account_login"), {"login": email, "password": password}
    ).content.decode()


@pytest.mark.django_db
def test_five_failures_lock_the_account_and_the_lock_is_recorded_once(
    client: Client, buyer_member: Membership, password: str
) -> None:
    for _ in range(5):
        assert LOCKED not in log_in(client, "chef@buyer.test", "wrong password")

    page = log_in(client, "chef@buyer.test", password)
    assert LOCKED in page
    assert "15 分" in page
    assert "_auth_user_id" not in client.session
    log_in(client, "chef@buyer.test", password)

    actions = list(
        AuditEntry.objects.filter(organization_id=buyer_member.organization_id)
        .order_by("sequence")
        .values_list("action", flat=True)
    )
    assert actions == ["login.failed"] * 5 + ["login.locked_out"] + ["login.refused_locked"] * 2
    locked = AuditEntry.objects.get(action="login.locked_out")
    assert locked.actor_email == "chef@buyer.test"
    assert locked.ip == "127.0.0.1"
    assert locked.changes == {"failures": 5, "window_minutes": 15}


@pytest.mark.django_db
def test_a_success_before_the_limit_does_not_lock(
    client: Client, buyer_member: Membership, password: str
) -> None:
    for _ in range(4):
        log_in(client, "chef@buyer.test", "wrong password")

    log_in(client, "chef@buyer.test", password)

    assert client.session["_auth_user_id"] == str(buyer_member.user.pk)
    assert AuditEntry.objects.filter(action="login.succeeded").count() == 1
    assert not AuditEntry.objects.filter(action="login.locked_out").exists()


@pytest.mark.django_db
def test_failures_for_an_unknown_address_go_to_the_platform_log(client: Client) -> None:
    log_in(client, "nobody@nowhere.test", "whatever")

    entry = AuditEntry.objects.get()
    assert (entry.action, entry.chain, entry.actor_email) == (
        "login.failed",
        "platform",
        "nobody@nowhere.test",
    )


class Browserless:
    """A plain HTTP client with cookies, to talk to the live server as any program would."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=20) as response:
            return response.read().decode()

    def log_in(self, email: str, password: str) -> tuple[str, str]:
        form = self.get("/accounts/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)
        assert token is not None
        data = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": token.group(1), "login": email, "password": password}
        ).encode()
        request = urllib.request.Request(  # noqa: S310
            self.base + "/accounts/login/", data=data, headers={"Referer": self.base + "/"}
        )
        with self.opener.open(request, timeout=20) as response:
            return response.geturl(), response.read().decode()


@pytest.mark.django_db(transaction=True)
def test_over_real_http_five_wrong_passwords_lock_the_demo_buyer(live_server: object) -> None:
    call_command("seed_demo", verbosity=0)
    http_client = Browserless(live_server.url)  # type: ignore[attr-defined]

    for _ in range(5):
        url, page = http_client.log_in("owner@demo-buyer.example", "not the password")
        assert url.endswith("/accounts/login/")
        assert "正しくありません" in page

    url, page = http_client.log_in("owner@demo-buyer.example", DEMO_PASSWORD)

    assert url.endswith("/accounts/login/")
    assert LOCKED in page
    assert AuditEntry.objects.filter(action="login.locked_out").count() == 1
    out = __import__("io").StringIO()
    call_command("verify_audit_log", stdout=out)
    assert "改ざんはありません" in out.getvalue()


@pytest.mark.django_db
def test_the_members_page_shows_a_locked_member(
    supplier_client: Client, supplier_member: Membership
) -> None:
    attacker = Client()
    for _ in range(5):
        log_in(attacker, "staff@supplier.test", "guess")

    page = supplier_client.get(reverse("members")).content.decode()

    assert "ログイン失敗によりロック中" in page


@pytest.mark.django_db
def test_one_address_failing_for_many_accounts_is_stopped_too(
    client: Client, buyer_member: Membership, password: str, settings: object
) -> None:
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "3/900s/ip,5/900s/key"}  # type: ignore[attr-defined]
    for n in range(3):
        log_in(client, f"someone{n}@buyer.test", "guess")

    page = log_in(client, "chef@buyer.test", password)

    assert ADDRESS_PAUSED in page
    assert LOCKED not in page
    assert "_auth_user_id" not in client.session
    # Only the address is paused: the account is not recorded or shown as locked.
    assert not AuditEntry.objects.filter(action="login.locked_out").exists()
    assert AuditEntry.objects.filter(action="login.refused_address").count() == 1
    assert not security.is_locked_out("chef@buyer.test")


@pytest.mark.django_db
def test_wrong_passwords_spread_over_host_ports_still_lock_the_account(
    client: Client, buyer_member: Membership, password: str
) -> None:
    # ALLOWED_HOSTS ignores the port, so each of these Host headers reaches the login page.
    for port in (8001, 8002, 8003, 8004):
        for _ in range(4):
            client.post(
                reverse("account_login"),
                {"login": "chef@buyer.test", "password": "wrong password"},
                HTTP_HOST=f"127.0.0.1:{port}",
            )

    page = client.post(
        reverse("account_login"),
        {"login": "Chef@Buyer.test", "password": password},
        HTTP_HOST="localhost:9999",
    ).content.decode()

    assert LOCKED in page
    assert "_auth_user_id" not in client.session


def post_login_from(client: Client, address: str, email: str, password: str) -> str:
    """A login POST as the TLS proxy passes it on: the proxy appends the client's address."""
    return client.post(
        reverse("account_login"),
        {"login": email, "password": password},
        HTTP_X_FORWARDED_FOR=address,
        REMOTE_ADDR="127.0.0.1",
    ).content.decode()


@pytest.mark.django_db
def test_behind_a_trusted_proxy_one_attacker_does_not_lock_out_the_others(
    buyer_member: Membership, password: str, settings: object
) -> None:
    settings.TRUSTED_PROXY_COUNT = 1  # type: ignore[attr-defined]
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "3/900s/ip,5/900s/key"}  # type: ignore[attr-defined]
    attacker = Client()
    for n in range(3):
        # A forged first hop changes nothing: only the address the proxy appended counts.
        post_login_from(attacker, f"10.9.9.{n}, 203.0.113.9", f"someone{n}@buyer.test", "guess")

    assert ADDRESS_PAUSED in post_login_from(attacker, "203.0.113.9", "chef@buyer.test", password)
    colleague = Client()
    post_login_from(colleague, "198.51.100.7", "chef@buyer.test", password)

    assert colleague.session["_auth_user_id"] == str(buyer_member.user.pk)
    succeeded = AuditEntry.objects.get(action="login.succeeded")
    assert succeeded.ip == "198.51.100.7"


@pytest.mark.django_db
def test_without_a_trusted_proxy_a_forwarded_for_header_is_ignored(
    client: Client, buyer_member: Membership, password: str, settings: object
) -> None:
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "3/900s/ip,5/900s/key"}  # type: ignore[attr-defined]
    for n in range(3):
        post_login_from(client, f"203.0.113.{n}", f"someone{n}@buyer.test", "guess")

    assert ADDRESS_PAUSED in post_login_from(client, "198.51.100.7", "chef@buyer.test", password)
    assert set(AuditEntry.objects.values_list("ip", flat=True)) == {"127.0.0.1"}


@pytest.mark.django_db
def test_too_many_logins_in_a_minute_get_a_japanese_page_that_says_what_to_do(
    client: Client, buyer_member: Membership, settings: object
) -> None:
    settings.ACCOUNT_RATE_LIMITS = {"login": "2/m/ip"}  # type: ignore[attr-defined]
    for _ in range(2):
        log_in(client, "chef@buyer.test", "guess")

    response = client.post(
        reverse("account_login"), {"login": "chef@buyer.test", "password": "guess"}
    )

    assert response.status_code == 429
    page = response.content.decode()
    assert '<html lang="ja"' in page
    assert "ログインの試行が多すぎます" in page
    assert "1 分ほど待ってから、もう一度お試しください" in page
    assert "Too Many Requests" not in page
