"""A small HTTP side for the benchmarks: gunicorn started on a loopback port, and a client that
logs in and posts forms the way a browser does (cookies, CSRF token), timing each request."""

from __future__ import annotations

import http.client
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings

_CSRF_FIELD = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


class NotMeasuredError(RuntimeError):
    """This machine cannot run a scenario (say, no Chromium): its figures stay 'not measured'."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def p95(values: Sequence[float]) -> float:
    """The nearest-rank 95th percentile."""
    ordered = sorted(values)
    return ordered[max(0, -(-len(ordered) * 95 // 100) - 1)]


def median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


class WebServer:
    """gunicorn with the production profile (config/gunicorn.py) on 127.0.0.1:port."""

    def __init__(self, *, port: int | None = None, env: dict[str, str] | None = None) -> None:
        self.port = port or free_port()
        self.env = {
            **os.environ,
            "HOST": "127.0.0.1",
            "PORT": str(self.port),
            "DJANGO_SETTINGS_MODULE": os.environ.get(
                "DJANGO_SETTINGS_MODULE", "config.bench_settings"
            ),
            **(env or {}),
        }
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> WebServer:
        base = Path(settings.BASE_DIR)
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                str(base / "config" / "gunicorn.py"),
                "--access-logfile",
                "/dev/null",
                "--log-level",
                "warning",
                "config.wsgi",
            ],
            cwd=base,
            env=self.env,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if Browser(self.port).get("/bench/minimal/").status == 200:
                    return self
            except OSError:
                pass
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}")
            time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer within 60 s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@dataclass
class Response:
    status: int
    location: str
    body: bytes
    seconds: float


@dataclass
class Browser:
    """One person's browser: its cookies, one request at a time."""

    port: int
    cookies: dict[str, str] = field(default_factory=dict)

    def request(
        self, method: str, path: str, fields: Sequence[tuple[str, str]] | None = None
    ) -> Response:
        headers = {"Host": "127.0.0.1"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if fields is not None:
            body = urlencode(list(fields)).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        started = time.perf_counter()
        try:
            connection.request(method, path, body=body, headers=headers)
            answer = connection.getresponse()
            content = answer.read()
        finally:
            connection.close()
        seconds = time.perf_counter() - started
        for cookie in answer.headers.get_all("Set-Cookie") or []:
            name, _, rest = cookie.partition("=")
            value = rest.split(";", 1)[0]
            if value in {"", '""'}:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        return Response(answer.status, answer.getheader("Location", ""), content, seconds)

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def post(self, path: str, fields: Sequence[tuple[str, str]]) -> Response:
        token = self.cookies.get("csrftoken", "")
        return self.request("POST", path, [("csrfmiddlewaretoken", token), *fields])

    def login(self, email: str, password: str) -> None:
        page = self.get("/accounts/login/")
        match = _CSRF_FIELD.search(page.body)
        if match is None or "csrftoken" not in self.cookies:
            raise RuntimeError(f"no CSRF token on the login page ({page.status})")
        answer = self.post("/accounts/login/", [("login", email), ("password", password)])
        if answer.status != 302:
            raise RuntimeError(f"login of {email} answered {answer.status}")
