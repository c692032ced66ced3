from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from tsunagu.bench import report, scenarios
from tsunagu.bench.http import WebServer
from tsunagu.bench.scenarios import Figure


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
        closing_date = scenarios.billing_closing_date()
        server = WebServer().start()
        try:
            floor = scenarios.minimal_view(server, emit)
            scenarios.order_submit(server, emit, floor_ms=floor, orders=options["orders"])
            scenarios.inbox_and_search(server, emit, floor_ms=floor)
            scenarios.query_counts(emit)
            scenarios.csv_export(emit, work)
            scenarios.pdf_invoice(emit)
            scenarios.billing_run(server, emit, closing_date)
            scenarios.import_products(emit, work)
        finally:
            server.stop()
        took = time.perf_counter() - started
        emit(Figure("bench_s", took, "s"))
        if not options["no_write"]:
            key = f"{options['scale']} on {connection.vendor}"
            text = report.block(key, figures, facts, scale=options["scale"], took=took)
            report.write(Path(settings.BASE_DIR) / "docs" / "benchmarks.md", key, text)
        failed = [
            t.figure
            for t in report.TARGETS
            if t.figure == "queries_equal"
            and not next((f.value for f in figures if f.name == t.figure), 0)
        ]
        if failed:
            raise CommandError("query counts differ between the tiny and the biggest tenant")
