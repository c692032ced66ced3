from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from tsunagu.notifications.services import deliver_due, resend_unconfirmed


class Command(BaseCommand):
    help = (
        "Send every outbox mail that is due now, and take over mails whose sender stopped (their "
        "lease ran out): sent again if they had not reached the mail server, else marked "
        "unconfirmed. The worker does this by itself; the command is for operators after an outage."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--resend-unconfirmed",
            action="store_true",
            help=(
                "Also send again the mails marked unconfirmed (the mail server may have them "
                "already): only after checking that they did not arrive."
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["resend_unconfirmed"]:
            count = resend_unconfirmed()
            self.stdout.write(f"未確認のメール {count}件を送り直します")
        outcome = deliver_due()
        self.stdout.write(
            f"送信 {outcome.get('sent', 0)}件 / 再試行待ち {outcome.get('retry', 0)}件 / "
            f"断念 {outcome.get('gave up', 0)}件 / 未確認 {outcome.get('unconfirmed', 0)}件"
        )
