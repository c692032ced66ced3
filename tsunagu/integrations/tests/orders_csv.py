"""The order file the import and export tests share, and running the two commands."""

from __future__ import annotations

from dataclasses import dataclass
from io import StringIO
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import CommandError

# Two orders × two lines, as a CP932 file from Excel: ①, ㈱, 髙, 﨑, ～ and half-width kana.
# The first order has no number (grouped by customer + dates), the second is X-100; its rows are
# not next to each other. 得意先名 and 商品名 are read and ignored.
ORDERS_CSV = (
    "受注番号,得意先コード,得意先名,受注日,納品希望日,納品日,ステータス,受注経路,商品コード,商品名,数量,単価,備考\r\n"
    ",C001,㈱ﾚｽﾄﾗﾝ髙﨑,2026/11/02,2026/11/04,2026/11/04,納品済,fax,P001,髙﨑㈱ 特製だし～極み～,３,,ﾊﾟｯｸ①で\r\n"
    "X-100,C002,居酒屋 はなみち,2026-11-03,2026-11-05,,受注確定,,P003,業務用洗剤,2,,～午前中～\r\n"
    ",C001,㈱ﾚｽﾄﾗﾝ髙﨑,2026/11/02,2026/11/04,2026/11/04,納品済,fax,P002,キャベツ ①玉,10,120,\r\n"
    "X-100,C002,居酒屋 はなみち,2026-11-03,2026-11-05,,受注確定,,P001,,7,12.5,\r\n"
)


@dataclass
class Run:
    code: int
    out: str
    err: str

    @property
    def last_line(self) -> str:
        return self.out.strip().splitlines()[-1]


def run_command(name: str, *args: str) -> Run:
    out, err = StringIO(), StringIO()
    try:
        call_command(name, *args, stdout=out, stderr=err)
    except CommandError as error:
        return Run(error.returncode, out.getvalue(), err.getvalue() + str(error))
    return Run(0, out.getvalue(), err.getvalue())


def write_file(tmp_path: Path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def import_orders(path: str, *extra: str) -> Run:
    return run_command("import_csv", "orders", "--supplier", "test-supplier", path, *extra)


def export_orders(*extra: str) -> Run:
    return run_command("export_csv", "orders", "--supplier", "test-supplier", *extra)
