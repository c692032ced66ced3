"""Japanese text as people type it: full-width digits, half-width kana, hiragana for katakana."""

from __future__ import annotations

import re
import unicodedata

_HIRAGANA_START, _HIRAGANA_END = 0x3041, 0x3096
_KATAKANA_OFFSET = 0x60
_SPACES = re.compile(r"\s+")
_HALFWIDTH_KANA = re.compile(r"[\uff61-\uff9f]+")


def nfkc(value: str) -> str:
    """Full-width letters and digits become ASCII, half-width katakana become full-width."""
    return unicodedata.normalize("NFKC", value or "").strip()


def fold_halfwidth_kana(value: str) -> str:
    """ｷｬﾍﾞﾂ → キャベツ, and nothing else: ①, ㈱ and full-width letters in names stay as typed."""
    return _HALFWIDTH_KANA.sub(lambda match: unicodedata.normalize("NFKC", match.group()), value)


def to_katakana(value: str) -> str:
    return "".join(
        chr(ord(ch) + _KATAKANA_OFFSET) if _HIRAGANA_START <= ord(ch) <= _HIRAGANA_END else ch
        for ch in value
    )


def search_key(value: str) -> str:
    """The form in which text is stored for search and in which queries are compared:
    「ｷｬﾍﾞﾂ」,「きゃべつ」and「キャベツ」all become キャベツ; ＡＢＣ and abc become abc."""
    return _SPACES.sub("", to_katakana(nfkc(value)).lower())


def normalize_code(value: str) -> str:
    """Codes typed with full-width digits or stray spaces: NFKC, no surrounding spaces."""
    return _SPACES.sub("", nfkc(value))


def normalize_number_text(value: str) -> str:
    """'１，２００円' → '1200'; '¥12.5' → '12.5'. Leaves anything else for the caller to refuse."""
    text = nfkc(value)
    for mark in (",", "¥", "\\", "円", " "):
        text = text.replace(mark, "")
    return text
