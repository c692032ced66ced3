from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from tsunagu.bench import proof
from tsunagu.bench.scenarios import Figure


class Command(BaseCommand):
    help = (
        "Proof at scale on PostgreSQL: two web processes, two workers, 50 buyers sending orders "
        "at once during a billing run and an export; checks that no order is lost or "
        "duplicated, numbers have no gaps and every mail reaches a loopback SMTP server once."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("bench_proof runs on PostgreSQL only (make bench-proof).")

        def emit(figure: Figure) -> None:
            self.stdout.write(str(figure))
            self.stdout.flush()

        if not proof.run(emit):
            raise CommandError("the proof at scale failed: see the figures above")
