from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tsunagu.ops.demo import DEMO_PASSWORD, seed_demo


class Command(BaseCommand):
    help = (
        "Load the demo organizations and logins (idempotent: running it again changes nothing). "
        "Refused with production settings."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError(
                "seed_demo: refused with TSUNAGU_ENV=production (demo logins are public)."
            )
        result = seed_demo()
        self.stdout.write(
            f"デモデータ: 組織 {result['organizations']}件 (新規 {result['created']}件), "
            f"ログイン {result['members']}件, パスワード {DEMO_PASSWORD}"
        )
