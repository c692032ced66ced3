from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from tsunagu.bench import report, scenarios
from tsunagu.bench.http import NotMeasuredError, WebServer
from tsunagu.bench.scenarios import Figure


@dataclass
class Run:
    server: WebServer
    emit: Callable[[Figure], None]
    work: Path
    orders: int
    floor_ms: float = 0.0


def _minimal_view(run: Run) -> None:
    run.floor_ms = scenarios.minimal_view(run.server, run.emit)


def _floor(run: Run) -> float:
    return run.floor_ms or scenarios.minimal_view(run.server, lambda _figure: None)


# In the order they run; `--only NAME` picks some (a scenario that needs the floor measures it).
SCENARIOS: dict[str, Callable[[Run], object]] = {
    "minimal_view": _minimal_view,
    "order_submit": lambda run: scenarios.order_submit(
        run.server, run.emit, floor_ms=_floor(run), orders=run.orders
    ),
    "inbox_and_search": lambda run: scenarios.inbox_and_search(
        run.server, run.emit, floor_ms=_floor(run)
    ),
    "query_counts": lambda run: scenarios.query_counts(run.emit),
    "csv_export": lambda run: scenarios.csv_export(run.emit, run.work),
    "pdf_invoice": lambda run: scenarios.pdf_invoice(run.emit),
    "billing_run": lambda run: scenarios.billing_run(
        run.server, run.emit, scenarios.billing_closing_date()
    ),
    "import_products": lambda run: scenarios.import_products(run.emit, run.work),
    "first_order_from_invitation": lambda run: scenarios.first_order_from_invitation(
        run.server, run.emit
    ),
}


class Command(BaseCommand):
    help = (
        "Run every benchmark scenario on the database bench_seed filled, print one line per "
        "figure as 'name: value unit', and write the results into docs/benchmarks.md."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", default="small", help="the scale bench_seed used")
        parser.add_argument(
            "--orders", type=int, default=60, help="orders sent one after another for the p95"
        )
        parser.add_argument(
            "--no-write", action="store_true", help="print only; leave docs/benchmarks.md alone"
        )
        parser.add_argument(
            "--only",
            action="append",
            choices=list(SCENARIOS),
            help="run only this scenario (repeatable); implies --no-write",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        facts = report.machine()
        for name, value in facts.items():
            self.stdout.write(f"# {name}: {value}")
        figures: list[Figure] = []

        def emit(figure: Figure) -> None:
            figures.append(figure)
            self.stdout.write(str(figure))
            sys.stdout.flush()

        work = Path(settings.VAR_DIR) / "work"
        work.mkdir(parents=True, exist_ok=True)
        server = WebServer().start()
        run = Run(server=server, emit=emit, work=work, orders=options["orders"])
        try:
            for name, scenario in SCENARIOS.items():
                if options["only"] and name not in options["only"]:
                    continue
                try:
                    scenario(run)
                except NotMeasuredError as error:
                    self.stderr.write(f"# {name}: not measured: {error}")
        finally:
            server.stop()
        took = time.perf_counter() - started
        emit(Figure("bench_s", took, "s"))
        if not options["no_write"] and not options["only"]:
            key = f"{options['scale']} on {connection.vendor}"
            text = report.block(key, figures, facts, scale=options["scale"], took=took)
            report.write(Path(settings.BASE_DIR) / "docs" / "benchmarks.md", key, text)
        failed = [
            t.figure
            for t in report.TARGETS
            if t.figure == "queries_equal"
            and not next((f.value for f in figures if f.name == t.figure), 1)
        ]
        if failed:
            raise CommandError("query counts differ between the tiny and the biggest tenant")
