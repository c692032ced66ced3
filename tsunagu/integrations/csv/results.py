"""What a check and an import give back: the good rows, every bad row, the counts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tsunagu.integrations.csv.kinds import ImportKind

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class RowError:
    line: int
    column: str
    message: str

    def as_text(self) -> str:
        return (
            f"行 {self.line}: {self.column}: {self.message}"
            if self.column
            else (f"行 {self.line}: {self.message}")
        )

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "column": self.column, "message": self.message}


@dataclass
class CheckedRow:
    line: int
    key: str
    values: dict[str, Any]
    cells: list[str]
    is_new: bool


@dataclass
class Checked:
    kind: ImportKind
    headers: list[str]
    rows: list[CheckedRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    encoding: str = ""

    @property
    def created(self) -> int:
        return sum(1 for row in self.rows if row.is_new)

    @property
    def updated(self) -> int:
        return sum(1 for row in self.rows if not row.is_new)

    def errors_by_line(self) -> dict[int, dict[str, str]]:
        marked: dict[int, dict[str, str]] = {}
        for error in self.errors:
            marked.setdefault(error.line, {})[error.column] = error.message
        return marked


@dataclass(frozen=True)
class Result:
    created: int
    updated: int
    errors: list[RowError]
    applied: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "updated": self.updated,
            "errors": [error.as_dict() for error in self.errors],
        }
