from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tsunagu.accounts.models import Organization
from tsunagu.bench.generate import SCALES, generate


class Command(BaseCommand):
    help = (
        "Fill an empty, migrated database with generated data at a named scale (small: 2 "
        "suppliers, 200 customers, 2,000 products, 50,000 order lines; large: 20, 5,000, 20,000, "
        "1,000,000), plus the tenants the benchmark scenarios use. Bench databases only."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", choices=sorted(SCALES), default="small")

    def handle(self, *args: Any, **options: Any) -> None:
        if Organization.objects.exists():
            raise CommandError("The database is not empty: bench_seed fills a new one only.")
        started = time.perf_counter()
        generated = generate(SCALES[options["scale"]])
        self.stdout.write(
            f"seed_s: {time.perf_counter() - started:.1f} s "
            f"({generated.orders} orders, {generated.order_lines} order lines)"
        )
