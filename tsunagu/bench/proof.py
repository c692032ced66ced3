"""Proof at scale on one machine (make bench-proof): two web processes and two workers on one
PostgreSQL, 50 buyers sending orders at once (each first order double-tapped on both web
processes) while a billing run and an export run; then no order lost or duplicated, no gap in
order or invoice numbers, and every mail of the outbox received exactly once by a real SMTP server
on loopback."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope
from django.conf import settings
from django.db.models import Count
from django.utils import timezone

from tsunagu.accounts.models import Organization
from tsunagu.bench import scenarios
from tsunagu.bench.generate import BENCH_PASSWORD, sequence_gaps
from tsunagu.bench.http import Browser, WebServer, free_port
from tsunagu.bench.scenarios import MAIN, Emit, Figure
from tsunagu.documents.billing import month_end, shift_month
from tsunagu.documents.models import BillingRun, Document, DocumentType
from tsunagu.documents.numbering import missing_sequences
from tsunagu.notifications.models import OutboxMessage
from tsunagu.ordering.models import Order

BUYERS = 50
ORDERS_EACH = 3


@dataclass
class MailCatcher:
    """A real SMTP server on loopback that counts each outbox message it receives."""

    port: int = field(default_factory=free_port)
    received: Counter[str] = field(default_factory=Counter)
    controller: Controller | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: object, session: object, envelope: Envelope) -> str:  # noqa: N802
        content = envelope.content if isinstance(envelope.content, bytes) else b""
        message = message_from_bytes(content, policy=policy.default)
        with self.lock:
            self.received[str(message.get("X-Tsunagu-Message-ID", ""))] += 1
        return "250 Message accepted for delivery"

    def start(self) -> None:
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()


@dataclass
class Sent:
    """What the buyers' browsers saw: each key and the order pages it led to."""

    pages: dict[str, set[str]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, key: str, location: str) -> None:
        with self.lock:
            self.pages.setdefault(key, set()).add(location)


def _tap(
    answers: list[Any], index: int, browser: Browser, path: str, fields: list[tuple[str, str]]
) -> None:
    answers[index] = browser.post(path, fields)


def _send(
    mine: Browser, other: Browser | None, path: str, fields: list[tuple[str, str]]
) -> list[Any]:
    """One tap, or with `other` a double tap that reaches both web processes at once."""
    if other is None:
        return [mine.post(path, fields)]
    answers: list[Any] = [None, None]
    taps = [
        threading.Thread(target=_tap, args=(answers, i, b, path, fields))
        for i, b in enumerate((mine, other))
    ]
    for tap in taps:
        tap.start()
    for tap in taps:
        tap.join()
    return answers


def _buyer(index: int, plan: scenarios.BuyerPlan, webs: list[WebServer], sent: Sent) -> None:
    rng = random.Random(index)  # noqa: S311 - load shape, not secrets
    mine = Browser(webs[index % 2].port)
    try:
        mine.login(plan.email, BENCH_PASSWORD)
        # The same browser (same session) reaching the other web process, as behind a balancer.
        other = Browser(webs[(index + 1) % 2].port, cookies=mine.cookies)
        path = f"/buyer/s/{plan.supplier_code}/send/"
        for n in range(ORDERS_EACH):
            key = uuid.uuid4().hex
            fields = scenarios.order_fields(plan, rng, key)
            answers = _send(mine, other if n == 0 else None, path, fields)
            if confirmed := scenarios.unusual_confirmed(answers[0], fields):
                answers = _send(mine, other if n == 0 else None, path, confirmed)
            for answer in answers:
                if answer.status != 302:
                    sent.errors.append(f"{plan.email}: {answer.status} {answer.body[:200]!r}")
                else:
                    sent.record(key, answer.location)
    except Exception as error:
        sent.errors.append(f"{plan.email}: {error!r}")


def _last_month_end() -> date:
    today = timezone.localdate()
    year, month = shift_month(today.year, today.month, -1)
    return month_end(year, month)


def _wait(condition: Any, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(1)
    return False


def run(emit: Emit) -> bool:
    base = Path(settings.BASE_DIR)
    catcher = MailCatcher()
    catcher.start()
    mail_env = {
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(catcher.port),
        "EMAIL_USE_TLS": "false",
        "EMAIL_USE_SSL": "false",
    }
    env = {**os.environ, **mail_env}
    webs = [WebServer(env=mail_env).start() for _ in range(2)]
    workers = [
        subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [sys.executable, str(base / "manage.py"), "db_worker"], cwd=base, env=env
        )
        for _ in range(2)
    ]
    export: subprocess.Popen[bytes] | None = None
    started = time.perf_counter()
    try:
        # The main supplier closes last month while its buyers order: the run, the orders and
        # their mails share the same tables and number series.
        closing_date = _last_month_end()
        plans = scenarios.buyer_plans(BUYERS)
        admin = scenarios.supplier_browser(webs[1], MAIN)
        answer = admin.post("/supplier/billing/", [("closing_date", closing_date.isoformat())])
        if answer.status != 302:
            raise RuntimeError(f"starting the billing run answered {answer.status}")
        export_file = Path(settings.VAR_DIR) / "work" / "proof-export.csv"
        export_file.parent.mkdir(parents=True, exist_ok=True)
        export = subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                str(base / "manage.py"),
                "export_csv",
                "orders",
                "--supplier",
                MAIN,
                "--replace",
                "--output",
                str(export_file),
            ],
            cwd=base,
            env=env,
            stderr=subprocess.PIPE,
        )
        sent = Sent()
        buyers = [
            threading.Thread(target=_buyer, args=(i, plan, webs, sent))
            for i, plan in enumerate(plans)
        ]
        for thread in buyers:
            thread.start()
        for thread in buyers:
            thread.join()
        emit(Figure("proof_orders_phase_s", time.perf_counter() - started, "s"))
        export_ok = export.wait(timeout=600) == 0
        billing_done = _wait(
            lambda: not BillingRun.objects.filter(status=BillingRun.Status.RUNNING).exists(), 900
        )
        outbox_drained = _wait(
            lambda: (
                not OutboxMessage.objects.filter(
                    status__in=[OutboxMessage.Status.PENDING, OutboxMessage.Status.SENDING]
                ).exists()
            ),
            300,
        )
        time.sleep(2)  # the last SMTP conversation ends before the count
    finally:
        for web in webs:
            web.stop()
        for worker in workers:
            worker.terminate()
        for worker in workers:
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
        if export is not None and export.poll() is None:
            export.kill()
        catcher.stop()
    emit(Figure("proof_s", time.perf_counter() - started, "s"))
    return _checks(emit, sent, catcher, export_ok, billing_done, outbox_drained, closing_date)


def _checks(
    emit: Emit,
    sent: Sent,
    catcher: MailCatcher,
    export_ok: bool,
    billing_done: bool,
    outbox_drained: bool,
    closing_date: Any,
) -> bool:
    main = Organization.objects.get(code=MAIN)
    billing = main
    keys = list(sent.pages)
    found = dict(
        Order.objects.filter(supplier=main, idempotency_key__in=keys)
        .values_list("idempotency_key")
        .annotate(n=Count("id"))
    )
    lost = sum(1 for key in keys if key not in found)
    duplicated = sum(1 for n in found.values() if n > 1) + sum(
        1 for pages in sent.pages.values() if len(pages) > 1
    )
    run = BillingRun.objects.filter(supplier=billing, closing_date=closing_date).first()
    invoices = Document.objects.filter(
        supplier=billing, doc_type=DocumentType.PERIODIC_INVOICE, period_end=closing_date
    ).count()
    outbox = OutboxMessage.objects.all()
    sent_ids = {str(pk) for pk in outbox.values_list("pk", flat=True)}
    not_sent = outbox.exclude(status=OutboxMessage.Status.SENT).count()
    received_twice = sum(1 for key, n in catcher.received.items() if n > 1)
    missing = sum(1 for pk in sent_ids if catcher.received[pk] == 0)
    unknown = sum(1 for key in catcher.received if key not in sent_ids)
    figures = [
        Figure("proof_buyers", BUYERS, "count"),
        Figure("proof_orders_sent", len(keys), "count"),
        Figure("proof_request_errors", len(sent.errors), "count"),
        Figure("orders_lost", lost, "count"),
        Figure("orders_duplicated", duplicated, "count"),
        Figure("order_number_gaps", len(sequence_gaps(main)), "count"),
        Figure("proof_invoices", invoices, "count"),
        Figure(
            "invoice_number_gaps",
            len(missing_sequences(billing, DocumentType.PERIODIC_INVOICE)),
            "count",
        ),
        Figure(
            "billing_run_done", 1 if run and run.status == BillingRun.Status.DONE else 0, "bool"
        ),
        Figure("export_ok", 1 if export_ok else 0, "bool"),
        Figure("outbox_mails", len(sent_ids), "count"),
        Figure("mails_not_sent", not_sent, "count"),
        Figure("mails_missing", missing, "count"),
        Figure("mails_received_twice", received_twice, "count"),
        Figure("mails_unknown", unknown, "count"),
    ]
    for figure in figures:
        emit(figure)
    for error in sent.errors[:5]:
        sys.stderr.write(f"proof: {error}\n")
    ok = (
        not sent.errors
        and lost == duplicated == 0
        and not sequence_gaps(main)
        and invoices > 0
        and not missing_sequences(billing, DocumentType.PERIODIC_INVOICE)
        and billing_done
        and outbox_drained
        and export_ok
        and not_sent == missing == received_twice == unknown == 0
        and len(sent_ids) > 0
    )
    emit(Figure("proof_ok", 1 if ok else 0, "bool"))
    return ok
