from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from tsunagu.notifications.services import deliver_due


class Command(BaseCommand):
    help = (
        "Send every outbox mail that is due now, and return mails stuck in sending to the queue. "
        "The worker does this by itself; the command is for operators after an outage."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        outcome = deliver_due()
        self.stdout.write(
            f"送信 {outcome.get('sent', 0)}件 / 再試行待ち {outcome.get('retry', 0)}件 / "
            f"断念 {outcome.get('gave up', 0)}件"
        )
