"""The Japanese catalogue is complete, and the compiled .mo matches its .po."""

from __future__ import annotations

import ast
import gettext
from pathlib import Path

import pytest

LOCALE = Path(__file__).resolve().parents[1] / "locale"


def read_po(path: Path) -> dict[str, str]:
    """msgid -> msgstr of a .po file (no plurals or contexts are used in Tsunagu yet)."""
    entries: dict[str, str] = {}
    current: dict[str, str] = {}
    key = ""
    fuzzy = False
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if line.startswith("#,") and "fuzzy" in line:
            fuzzy = True
        elif line.startswith(("msgid ", "msgstr ", "msgid_plural ", "msgstr[0] ")):
            key, _, literal = line.partition(" ")
            key = {"msgstr[0]": "msgstr"}.get(key, key)
            current[key] = ast.literal_eval(literal)
        elif line.startswith('"'):
            current[key] += ast.literal_eval(line)
        elif not line.strip():
            if current.get("msgid"):
                entries[current["msgid"]] = "" if fuzzy else current.get("msgstr", "")
            current, fuzzy = {}, False
    return entries


def test_every_string_has_a_japanese_translation() -> None:
    entries = read_po(LOCALE / "ja" / "LC_MESSAGES" / "django.po")

    untranslated = [msgid for msgid, msgstr in entries.items() if not msgstr]
    assert entries
    assert untranslated == []


@pytest.mark.parametrize("language", ["ja", "en"])
def test_compiled_catalogue_matches_its_source(language: str) -> None:
    folder = LOCALE / language / "LC_MESSAGES"
    entries = read_po(folder / "django.po")
    with (folder / "django.mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)

    stale = [
        msgid
        for msgid, msgstr in entries.items()
        if msgstr
        and compiled.gettext(msgid) != msgstr
        and compiled.ngettext(msgid, "", 1) != msgstr
    ]
    assert stale == [], "run `make messages` and commit the .mo files"
