from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tsunagu.accounts.models import Organization
from tsunagu.integrations.csv.importing import run_import
from tsunagu.integrations.csv.kinds import KINDS


class Command(BaseCommand):
    help = (
        "Import products, customers or orders from a CSV file (CP932 or UTF-8, with or without "
        "BOM). All or nothing: any bad row changes nothing, exits 1 and lists every bad row as "
        "'行 N: 列: 理由'. Products and customers are matched by their code: new codes are "
        "created, known ones updated. Orders: one row per order line; rows with the same "
        "受注番号 (or, without one, the same 得意先コード + 受注日 + 納品希望日) make one order. "
        "An order already recorded with the same contents counts as updated and is left as it "
        "is; with other contents it is a bad row. Counts are orders."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=sorted(KINDS), help="what the file holds")
        parser.add_argument("file", type=Path, help="the CSV file")
        parser.add_argument(
            "--supplier", required=True, metavar="CODE", help="the supplier's organization code"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="check and count, change nothing"
        )
        parser.add_argument(
            "--json", action="store_true", help="print one JSON object instead of text"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        supplier = Organization.objects.filter(code=options["supplier"], is_supplier=True).first()
        if supplier is None:
            raise CommandError(
                f"受注企業 {options['supplier']} はありません。組織コードを確かめてください。"
            )
        path: Path = options["file"]
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"ファイル {path} を読めません: {error.strerror}") from None
        result = run_import(
            options["kind"],
            supplier,
            data,
            actor=None,
            actor_label="manage.py import_csv",
            dry_run=options["dry_run"],
        )
        if options["json"]:
            self.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False))
        else:
            for row_error in result.errors:
                self.stdout.write(row_error.as_text())
            prefix = "(確認のみ・変更なし) " if options["dry_run"] else ""
            counts = f"作成 {result.created}件 / 更新 {result.updated}件"
            self.stdout.write(f"{prefix}{counts} / エラー {len(result.errors)}件")
        if result.errors:
            raise CommandError(f"{len(result.errors)} bad rows: nothing was imported", returncode=1)
