"""Remove stored PDFs that no document refers to (left behind by a rolled-back issue)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from tsunagu.documents.storage import delete_orphan_pdfs, orphan_pdfs


class Command(BaseCommand):
    help = (
        "どの帳票からも参照されていない保存済みPDF(発行が取り消されたときに残ったもの)を"
        "削除します。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--older-than-hours",
            type=int,
            default=24,
            help="この時間より前に書かれたファイルだけを対象にします(既定: 24)。",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="削除せずに、対象のファイルを表示します。"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        older_than = timedelta(hours=max(options["older_than_hours"], 1))
        if options["dry_run"]:
            names = orphan_pdfs(older_than=older_than)
            for name in names:
                self.stdout.write(name)
            self.stdout.write(f"参照されていないPDF: {len(names)} 件(削除していません)")
            return
        names = delete_orphan_pdfs(older_than=older_than)
        self.stdout.write(f"参照されていないPDFを {len(names)} 件削除しました。")
