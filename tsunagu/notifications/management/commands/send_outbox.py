from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from tsunagu.notifications.services import deliver_due


class Command(BaseCommand):
    help = (
        "Send every outbox mail that is due now, and take over mails whose sender stopped (their "
        "lease ran out): sent again if they had not reached the mail server, else marked "
        "unconfirmed. The worker does this by itself; the command is for operators after an outage."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        outcome = deliver_due()
        self.stdout.write(
            f"送信 {outcome.get('sent', 0)}件 / 再試行待ち {outcome.get('retry', 0)}件 / "
            f"断念 {outcome.get('gave up', 0)}件 / 未確認 {outcome.get('unconfirmed', 0)}件"
        )
