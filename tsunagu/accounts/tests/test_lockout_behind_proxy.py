"""The lockout as deployed: two gunicorn processes behind the TLS proxy, one shared cache.

The test plays the proxy: every request carries the X-Forwarded-For header the proxy appends
(the client's own address last), and requests alternate between the two web processes.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.db import connection

from conftest import free_port
from tsunagu.accounts.models import Membership, Role, User
from tsunagu.accounts.tests.factories import MembershipFactory

ROOT = Path(__file__).resolve().parents[3]
LOCKED = "ログインの失敗が続いたため、このアカウントはしばらくロックされています"
ADDRESS_PAUSED = "このネットワークからのログインの失敗が続いたため、しばらくログインを止めています"
ATTACKER, COLLEAGUE = "203.0.113.9", "198.51.100.7"


def shared_database_url(tmp_path: Path) -> str:
    """The test's own database, for the web processes to use too."""
    if connection.vendor == "postgresql":
        base = urllib.parse.urlsplit(os.environ["DATABASE_URL"])
        name = connection.settings_dict["NAME"]
        return urllib.parse.urlunsplit(base._replace(path=f"/{name}"))
    # SQLite tests run in memory: copy the migrated database (with its cache table) to a file.
    connection.ensure_connection()
    target = tmp_path / "shared.sqlite3"
    with sqlite3.connect(target) as copy:
        connection.connection.backup(copy)
    return f"sqlite:///{target}"


@contextmanager
def web_processes(database_url: str, tmp_path: Path, count: int) -> Iterator[list[str]]:
    keep = {"PATH", "HOME", "LANG", "VIRTUAL_ENV"}
    env = {k: v for k, v in os.environ.items() if k in keep}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        TSUNAGU_VAR_DIR=str(tmp_path / "var"),
        DATABASE_URL=database_url,
        TRUSTED_PROXY_COUNT="1",
        LOCKOUT_FAILURES="3",
        LOCKOUT_IP_FAILURES="5",
        HOST="127.0.0.1",
        WEB_CONCURRENCY="1",
        WEB_THREADS="2",
    )
    processes: list[subprocess.Popen[bytes]] = []
    bases: list[str] = []
    try:
        for _ in range(count):
            port = free_port()
            processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py", "config.wsgi"],
                    cwd=ROOT,
                    env={**env, "PORT": str(port)},
                    stdout=subprocess.DEVNULL,
                    stderr=open(tmp_path / f"gunicorn-{port}.log", "wb"),  # noqa: SIM115
                )
            )
            bases.append(f"http://127.0.0.1:{port}")
        for base in bases:
            wait_until_up(base)
        yield bases
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=20)


def wait_until_up(base: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=5):  # noqa: S310
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"{base} did not start")


class Person:
    """Someone behind the proxy, with their own cookies, reaching whichever process answers."""

    def __init__(self, address: str) -> None:
        self.address = address
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def request(
        self, base: str, path: str, data: bytes | None = None, *, host: str, forwarded: str
    ) -> tuple[str, str]:
        request = urllib.request.Request(  # noqa: S310
            base + path,
            data=data,
            headers={"Host": host, "X-Forwarded-For": forwarded},
        )
        with self.opener.open(request, timeout=20) as response:
            return response.geturl(), response.read().decode()

    def log_in(
        self, base: str, email: str, password: str, *, host: str = "127.0.0.1", spoof: str = ""
    ) -> tuple[str, str]:
        # The proxy appends the address it was connected from to whatever the client sent.
        forwarded = f"{spoof}, {self.address}" if spoof else self.address
        _, form = self.request(base, "/accounts/login/", host=host, forwarded=forwarded)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)
        assert token is not None
        data = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": token.group(1), "login": email, "password": password}
        ).encode()
        return self.request(base, "/accounts/login/", data, host=host, forwarded=forwarded)


@pytest.mark.django_db(transaction=True)
def test_two_web_processes_behind_a_proxy_lock_the_attacker_and_not_the_colleagues(
    tmp_path: Path, buyer_member: Membership, password: str
) -> None:
    colleague = MembershipFactory.create(
        organization=buyer_member.organization, user__email="sous@buyer.test", role=Role.MEMBER
    )
    # The web processes run the real settings, which hash with Argon2.
    User.objects.filter(pk__in=[buyer_member.user_id, colleague.user_id]).update(
        password=Argon2PasswordHasher().encode(password, Argon2PasswordHasher().salt())
    )
    attacker, other = Person(ATTACKER), Person(COLLEAGUE)

    with web_processes(shared_database_url(tmp_path), tmp_path, count=2) as (first, second):
        # Three wrong passwords for one account, over both processes and three Host ports.
        for n, base in enumerate([first, second, first]):
            url, page = attacker.log_in(base, "chef@buyer.test", "guess", host=f"127.0.0.1:{n + 1}")
            assert url.endswith("/accounts/login/")
            assert "正しくありません" in page
        url, page = attacker.log_in(second, "chef@buyer.test", password, host="127.0.0.1:9")
        assert url.endswith("/accounts/login/")
        assert LOCKED in page

        # Two more failures use up the attacker's address, even while it claims another one.
        for n, base in enumerate([first, second]):
            attacker.log_in(base, f"nobody{n}@buyer.test", "guess", spoof=COLLEAGUE)
        url, page = attacker.log_in(first, "sous@buyer.test", password, spoof=COLLEAGUE)
        assert url.endswith("/accounts/login/")
        assert ADDRESS_PAUSED in page

        # The colleague behind the same proxy logs in on either process.
        url, page = other.log_in(second, "sous@buyer.test", password)
        assert url.endswith("/buyer/")
        assert "ログアウト" in page
