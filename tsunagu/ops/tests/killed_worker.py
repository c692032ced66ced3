"""Data and read-outs for the killed-worker test, run in a process of their own against the
database the workers use (`python -c "…; killed_worker.main('setup')"`).

The data go in through the import commands people use (CONTRACT.md), so the test follows the
product rather than its internals: a supplier, customers closing at month end with delivered
orders, a billing run started as from the page, and a batch of mails.
"""

from __future__ import annotations

import json
import sys
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.db import transaction

CLOSING_DATE = date(2026, 11, 30)


def _csv(rows: list[str]) -> str:
    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - removed by the caller's process end
        "w", suffix=".csv", encoding="utf-8", delete=False
    )
    handle.write("\n".join(rows) + "\n")
    handle.close()
    return handle.name


def setup(customers: int, mails: int) -> dict[str, Any]:
    from tsunagu.accounts.models import Role
    from tsunagu.accounts.tests.factories import MembershipFactory, SupplierFactory
    from tsunagu.documents import billing
    from tsunagu.notifications.services import queue_email

    supplier = SupplierFactory.create(code="kill-supplier", name="止まる食品 株式会社")
    admin = MembershipFactory.create(
        organization=supplier, role=Role.ADMIN, user__email="admin@kill.test"
    )
    codes = [f"K{n:03d}" for n in range(1, customers + 1)]
    files = [
        (
            "products",
            ["商品コード,商品名,単位,単価,税率", "P1,米 5kg,袋,2000,8", "P2,洗剤,本,500,10"],
        ),
        (
            "customers",
            ["得意先コード,得意先名,締日,支払月,支払日"]
            + [f"{code},得意先{code},末,1,末" for code in codes],
        ),
        (
            "orders",
            ["得意先コード,受注日,納品希望日,納品日,商品コード,数量,ステータス"]
            + [
                f"{code},2026-11-09,2026-11-10,2026-11-10,P{1 + n % 2},{n + 1},納品済"
                for n, code in enumerate(codes)
            ],
        ),
    ]
    for kind, rows in files:
        path = _csv(rows)
        call_command("import_csv", kind, "--supplier", supplier.code, path, stdout=sys.stderr)
        Path(path).unlink()
    with transaction.atomic():
        run = billing.start_billing_run(actor=admin, closing_date=CLOSING_DATE)
        outbox = [
            queue_email(to=f"buyer{n}@kill.test", subject=f"お知らせ {n}", text=f"本文 {n}")
            for n in range(1, mails + 1)
        ]
    return {
        "run": str(run.pk),
        "customers": codes,
        "mails": [str(message.pk) for message in outbox],
    }


def state() -> dict[str, Any]:
    """What the test checks at the end: invoices, the run, the outbox and the queue."""
    from django_tasks_db.models import DBTaskResult

    from tsunagu.documents.models import BillingRun, Document, DocumentSequence, DocumentType
    from tsunagu.notifications.models import OutboxMessage
    from tsunagu.ops import leases

    run = BillingRun.objects.get()
    invoices = Document.objects.filter(doc_type=DocumentType.PERIODIC_INVOICE)
    sequence = DocumentSequence.objects.filter(doc_type=DocumentType.PERIODIC_INVOICE).first()
    return {
        "run": {
            "status": run.status,
            "processed": run.processed_customers,
            "total": run.total_customers,
            "created": run.created_count,
            "claimed_by": run.claimed_by,
        },
        "invoices": sorted(
            [document.customer.customer_code, document.number]
            for document in invoices.select_related("customer")
        ),
        "last_number": sequence.last_number if sequence else 0,
        "outbox": {
            str(pk): status for pk, status in OutboxMessage.objects.values_list("pk", "status")
        },
        "tasks": sorted(DBTaskResult.objects.values_list("status", flat=True)),
        "stuck": leases.stuck_count(),
    }


def healthz() -> dict[str, Any]:
    from django.test import Client

    answer: dict[str, Any] = Client().get("/healthz", HTTP_HOST="localhost").json()
    return answer


def main(action: str, *args: str) -> None:
    if action == "setup":
        result = setup(int(args[0]), int(args[1]))
    elif action == "state":
        result = state()
    else:
        result = healthz()
    print(json.dumps(result, ensure_ascii=False))  # noqa: T201 - read by the test
