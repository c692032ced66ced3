"""Columns of an import: the Japanese header users see, English aliases, and a parser per cell.

A parser takes the cell's text and returns the value, or raises CellError with a reason in words
the person fixing the file understands.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from tsunagu.core.bounds import Bound, whole
from tsunagu.core.text import fold_halfwidth_kana, nfkc, normalize_code, normalize_number_text


class CellError(Exception):
    pass


@dataclass(frozen=True)
class Column:
    header: str
    name: str
    parse: Callable[[str], Any]
    aliases: tuple[str, ...] = ()
    required_for_new: bool = False
    required: bool = False
    max_length: int | None = None

    def names(self) -> set[str]:
        return {self.header, self.name, *self.aliases}


@dataclass
class Schema:
    key: Column
    columns: list[Column] = field(default_factory=list)
    # Headers that are read and left alone: what an export adds for people (names, amounts).
    ignored: tuple[str, ...] = ()

    @property
    def all_columns(self) -> list[Column]:
        return [self.key, *self.columns]

    def column(self, name: str) -> Column:
        return next(column for column in self.all_columns if column.name == name)

    def match_headers(self, headers: list[str]) -> tuple[dict[int, Column], list[str]]:
        """Map positions to columns; return also the problems (unknown or missing headers)."""
        lookup = {}
        for column in self.all_columns:
            for name in column.names():
                lookup[_header_key(name)] = column
        ignored = {_header_key(name) for name in self.ignored}
        matched: dict[int, Column] = {}
        problems = []
        seen: set[str] = set()
        for position, header in enumerate(headers):
            found = lookup.get(_header_key(header))
            if found is None:
                if header.strip() and _header_key(header) not in ignored:
                    problems.append(_("Unknown column %(header)s.") % {"header": header})
                continue
            if found.name in seen:
                problems.append(_("The column %(header)s appears twice.") % {"header": header})
                continue
            seen.add(found.name)
            matched[position] = found
        for column in self.all_columns:
            if column.required and column.name not in seen:
                problems.append(_("The column %(header)s is missing.") % {"header": column.header})
        return matched, problems

    def missing_required(self, matched: dict[int, Column]) -> bool:
        present = {column.name for column in matched.values()}
        return any(c.required and c.name not in present for c in self.all_columns)


def _header_key(header: str) -> str:
    return re.sub(r"[\s_()（）]", "", nfkc(header).lower())


# ---- parsers ---------------------------------------------------------------------------------


def text(max_length: int) -> Callable[[str], str]:
    def parse(value: str) -> str:
        value = fold_halfwidth_kana(value.strip())
        if len(value) > max_length:
            raise CellError(_("Too long: at most %(n)s characters.") % {"n": max_length})
        return value

    return parse


def code(max_length: int) -> Callable[[str], str]:
    def parse(value: str) -> str:
        value = normalize_code(value)
        if len(value) > max_length:
            raise CellError(_("Too long: at most %(n)s characters.") % {"n": max_length})
        return value

    return parse


def decimal_number(*, places: int, bound: Bound) -> Callable[[str], Decimal | None]:
    def parse(value: str) -> Decimal | None:
        cleaned = normalize_number_text(value)
        if not cleaned:
            return None
        try:
            number = Decimal(cleaned)
        except InvalidOperation:
            raise CellError(_("%(value)s is not a number.") % {"value": value.strip()}) from None
        if not number.is_finite():
            raise CellError(_("%(value)s is not a number.") % {"value": value.strip()})
        # The bound first: 1e400 has no decimals, but no column holds it.
        if problem := bound.problem(number):
            raise CellError(problem)
        if -number.as_tuple().exponent > places:  # type: ignore[operator]
            raise CellError(_("At most %(n)s digits after the decimal point.") % {"n": places})
        return number

    return parse


def whole_number(bound: Bound) -> Callable[[str], int | None]:
    def parse(value: str) -> int | None:
        cleaned = normalize_number_text(value)
        if not cleaned:
            return None
        if not re.fullmatch(r"-?\d+", cleaned):
            raise CellError(_("%(value)s is not a whole number.") % {"value": value.strip()})
        number = -whole(cleaned[1:]) if cleaned.startswith("-") else whole(cleaned)
        if problem := bound.problem(number):
            raise CellError(problem)
        return number

    return parse


_DATE = re.compile(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})|(\d{4})(\d{2})(\d{2})")


def calendar_date(value: str) -> date | None:
    """2026-11-26, 2026/11/26 (also 2026/1/5 as Excel writes it, and 20261126)."""
    cleaned = nfkc(value)
    if not cleaned:
        return None
    match = _DATE.fullmatch(cleaned)
    if match is None:
        raise CellError(
            _("%(value)s is not a date: write it like 2026-11-26 or 2026/11/26.")
            % {"value": value.strip()}
        )
    year, month, day = (int(part) for part in match.groups() if part is not None)
    try:
        return date(year, month, day)
    except ValueError:
        raise CellError(
            _("%(value)s is not a day on the calendar.") % {"value": value.strip()}
        ) from None


def email(value: str) -> str:
    value = nfkc(value)
    if value:
        try:
            validate_email(value)
        except ValidationError:
            raise CellError(_("%(value)s is not an e-mail address.") % {"value": value}) from None
    return value.lower()


def validated(
    parser: Callable[[str], str], validator: Callable[[str], str]
) -> Callable[[str], str]:
    def parse(value: str) -> str:
        value = parser(value)
        if not value:
            return value
        try:
            return validator(value)
        except ValidationError as error:
            raise CellError(" ".join(error.messages)) from None

    return parse
