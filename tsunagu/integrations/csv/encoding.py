from __future__ import annotations

from django.utils.translation import gettext as _

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
