from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from django.utils.translation import gettext as _

from tsunagu.core.spreadsheet import unquote_formula

BOM = b"\xef\xbb\xbf"


class UnreadableFileError(Exception):
    pass


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding name): UTF-8 with BOM, UTF-8, or CP932 (Shift_JIS as Windows writes it,
    with ①, ㈱, 髙, 﨑 and ～)."""
    if data.startswith(BOM):
        return data[len(BOM) :].decode("utf-8"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp932"), "cp932"
    except UnicodeDecodeError as error:
        raise UnreadableFileError(
            _(
                "The file is neither UTF-8 nor Shift_JIS (CP932): "
                "save it from Excel as CSV and try again."
            )
        ) from error


def read_cells(text: str) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """The decoded file's header cells, and its rows that are not empty as (line, cells), read
    as they are asked for. Cells an export quoted against spreadsheet formulas ('=…) come back
    as they were."""
    reader = csv.reader(io.StringIO(text, newline=""))
    headers = [unquote_formula(cell) for cell in next(reader, [])]

    def rows() -> Iterator[tuple[int, list[str]]]:
        for cells in reader:
            if any(cell.strip() for cell in cells):
                yield reader.line_num, [unquote_formula(cell) for cell in cells]

    return headers, rows()
