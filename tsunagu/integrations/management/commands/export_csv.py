from __future__ import annotations

import argparse
import os
import shutil
import tempfile
from datetime import date
from pathlib import Path
from typing import IO, Any, cast

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tsunagu.accounts.models import Organization
from tsunagu.integrations.csv import order_export
from tsunagu.integrations.csv.schema import CellError, calendar_date
from tsunagu.ordering.models import ExportProfile

SPOOL_BYTES = 8 * 1024 * 1024


def _date(value: str) -> date:
    try:
        day = calendar_date(value)
    except CellError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    if day is None:
        raise argparse.ArgumentTypeError("日付を YYYY-MM-DD で書いてください。")
    return day


class Command(BaseCommand):
    help = (
        "Export orders as CSV, one row per order line, streamed (constant memory). The default "
        "columns are those of 'import_csv orders' plus names, unit, amount and tax rate, so an "
        "export imports back unchanged; --profile uses one of the supplier's export profiles. "
        "Characters that CP932 cannot hold are listed as '行 N: 列: 文字 ...' and nothing is "
        "written (exit 1), unless --replace turns them into 〓. Messages go to standard error."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=["orders"], help="what to export")
        parser.add_argument(
            "--supplier", required=True, metavar="CODE", help="the supplier's organization code"
        )
        parser.add_argument(
            "--profile", metavar="NAME", help="an export profile of the supplier, by its name"
        )
        parser.add_argument(
            "--encoding",
            choices=order_export.ENCODINGS,
            help="cp932 (the default), utf-8-sig or utf-8; overrides the profile's",
        )
        parser.add_argument(
            "--from",
            dest="date_from",
            type=_date,
            metavar="DATE",
            help="first order date (受注日), YYYY-MM-DD",
        )
        parser.add_argument(
            "--to",
            dest="date_to",
            type=_date,
            metavar="DATE",
            help="last order date (受注日), YYYY-MM-DD",
        )
        parser.add_argument(
            "--output", type=Path, metavar="FILE", help="the file to write (default: stdout)"
        )
        parser.add_argument(
            "--replace",
            action="store_true",
            help="replace characters CP932 cannot hold with 〓 instead of stopping",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        supplier = Organization.objects.filter(code=options["supplier"], is_supplier=True).first()
        if supplier is None:
            raise CommandError(
                f"受注企業 {options['supplier']} はありません。組織コードを確かめてください。"
            )
        if options["profile"]:
            profile = ExportProfile.objects.filter(
                supplier=supplier, name=options["profile"]
            ).first()
            if profile is None:
                raise CommandError(f"出力設定 {options['profile']} はありません。")
            try:
                layout = order_export.layout_of(profile, encoding=options["encoding"])
            except order_export.LayoutError as error:
                raise CommandError(f"出力設定 {profile.name} が壊れています: {error}") from None
        else:
            layout = order_export.default_layout(encoding=options["encoding"] or "cp932")
        date_from, date_to = options["date_from"], options["date_to"]
        if date_from and date_to and date_from > date_to:
            raise CommandError("--from には --to 以前の日付を書いてください。")
        export = order_export.Export(
            layout, order_export.lines_of(supplier, date_from=date_from, date_to=date_to)
        )
        output: Path | None = options["output"]
        if output is not None:
            self._to_file(export, output, replace=options["replace"])
        else:
            with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as spool:
                self._write(export, spool, replace=options["replace"])
                spool.seek(0)
                self._to_stdout(spool, layout.encoding)
        message = f"{export.rows}行を書き出しました。"
        if export.lost:
            message += f" CP932で表せない {export.lost} 文字を 〓 に置き換えました。"
        self.stderr.write(message)

    def _write(self, export: order_export.Export, target: IO[bytes], *, replace: bool) -> None:
        """Write everything, then refuse (before anything reaches the output) when characters
        were lost and replacing them was not asked for."""
        for chunk in export.chunks():
            target.write(chunk)
        if export.lost and not replace:
            for problem in export.problems:
                self.stderr.write(problem.as_text())
            if export.lost > len(export.problems):
                self.stderr.write(f"(ほか {export.lost - len(export.problems)} 文字)")
            raise CommandError(
                f"CP932で表せない文字が {export.lost} 個あります。何も書き出していません。"
                " --replace で 〓 に置き換えるか、--encoding utf-8-sig で書き出してください。",
                returncode=1,
            )

    def _to_file(self, export: order_export.Export, output: Path, *, replace: bool) -> None:
        # Written next to the target and renamed at the end: a refused or failed export leaves
        # any earlier file as it was.
        handle, temporary = tempfile.mkstemp(
            dir=output.resolve().parent, prefix=".export-", suffix=".csv"
        )
        try:
            with os.fdopen(handle, "wb") as target:
                self._write(export, target, replace=replace)
            os.replace(temporary, output)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def _to_stdout(self, spool: IO[bytes], encoding: str) -> None:
        stream = cast("IO[str]", self.stdout._out)
        binary = getattr(stream, "buffer", None)
        if binary is not None:
            stream.flush()
            shutil.copyfileobj(spool, binary)
            binary.flush()
        else:  # a text stream (call_command with stdout=StringIO)
            stream.write(spool.read().decode(encoding))
