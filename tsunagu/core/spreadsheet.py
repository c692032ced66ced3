"""Cells of the CSV files we write, so that a spreadsheet shows them instead of running them.

Excel, LibreOffice and Google Sheets run a cell that starts with = + - @ (and, after a tab or a
carriage return, what follows) as a formula: a buyer's line note `=HYPERLINK(...)` would become a
link in the supplier's sheet. As OWASP recommends, such a cell is written with a leading
apostrophe, which the spreadsheet shows as text; our imports take the apostrophe off again, so an
export imports back unchanged. A cell that is a plain number (-5, -1,200, +3, 12.5) is no formula
and stays as it is, so amounts and quantities remain numbers (docs/decisions).
"""

from __future__ import annotations

import re

# The full-width forms too: a Japanese IME types ＝ and some spreadsheets take it as =.
FORMULA_STARTS = frozenset("=+-@\t\r＝＋－＠")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?")
# Spaces (and apostrophes) in front of a formula do not make it safe: a spreadsheet's import
# or a person tidying the file may trim them.
_LEADING = re.compile(r"[\s']*")


def _needs_quote(value: str) -> bool:
    # A value that already starts with apostrophes before a formula start gets one more, so that
    # taking one off on import gives it back exactly.
    starts = (value.lstrip("'")[:1], _LEADING.sub("", value, count=1)[:1])
    return any(start in FORMULA_STARTS for start in starts) and not _PLAIN_NUMBER.fullmatch(value)


def quote_formula(value: str) -> str:
    """The cell as it is written to a file: with a leading apostrophe if a spreadsheet would run
    it as a formula."""
    return "'" + value if value and _needs_quote(value) else value


def unquote_formula(value: str) -> str:
    """The cell as it was before `quote_formula` (what an import reads)."""
    if value.startswith("'") and _needs_quote(value[1:]):
        return value[1:]
    return value
