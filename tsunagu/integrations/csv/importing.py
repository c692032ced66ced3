"""Import all or nothing: every row is checked first; any bad row means nothing changes."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from tsunagu.accounts.models import Organization, User
from tsunagu.audit import services as audit
from tsunagu.catalog.models import Product
from tsunagu.catalog.selectors import product_search_text
from tsunagu.integrations.csv import order_import
from tsunagu.integrations.csv.encoding import UnreadableFileError, decode, read_cells
from tsunagu.integrations.csv.kinds import KINDS, NON_NULL_DEFAULTS, ImportKind, Kind
from tsunagu.integrations.csv.results import Checked, CheckedRow, Progress, Result, RowError
from tsunagu.integrations.csv.schema import CellError

__all__ = ["Checked", "CheckedRow", "Progress", "Result", "RowError", "apply", "check"]


def check(
    kind: ImportKind, supplier: Organization, data: bytes, *, progress: Progress | None = None
) -> Checked:
    """Read and check every row; change nothing."""
    if not isinstance(kind, Kind):
        return order_import.check(kind, supplier, data, progress=progress)
    try:
        text, encoding = decode(data)
    except UnreadableFileError as error:
        return Checked(kind=kind, headers=[], errors=[RowError(1, "", str(error))])
    headers, cells_of_rows = read_cells(text)
    checked = Checked(kind=kind, headers=headers, encoding=encoding)
    columns, problems = kind.schema.match_headers(headers)
    checked.errors.extend(RowError(1, "", problem) for problem in problems)
    if kind.schema.key not in columns.values():
        return checked

    raw_rows = list(cells_of_rows)
    total = len(raw_rows)
    keys = []
    for _line, cells in raw_rows:
        for position, column in columns.items():
            if column is kind.schema.key and position < len(cells):
                keys.append(kind.schema.key.parse(cells[position]))
    existing = kind.existing(supplier, [k for k in keys if k])
    first_line_of: dict[str, int] = {}

    for done, (line, cells) in enumerate(raw_rows, start=1):
        values: dict[str, Any] = {}
        row_errors = []
        if len(cells) > len(headers):
            row_errors.append(RowError(line, "", _("This row has more cells than the header.")))
        for position, column in columns.items():
            raw = cells[position] if position < len(cells) else ""
            try:
                values[column.name] = column.parse(raw)
            except CellError as error:
                row_errors.append(RowError(line, headers[position], str(error)))
        key = values.get(kind.schema.key.name) or ""
        header_of = {column.name: headers[position] for position, column in columns.items()}
        if not key and kind.schema.key.name not in {e.column for e in row_errors}:
            row_errors.append(RowError(line, kind.schema.key.header, _("This cell is required.")))
        elif key in first_line_of:
            row_errors.append(
                RowError(
                    line,
                    header_of[kind.schema.key.name],
                    _("The same code is on line %(line)s too.") % {"line": first_line_of[key]},
                )
            )
        else:
            first_line_of[key] = line
        is_new = key not in existing
        if not row_errors:
            for name, message in kind.check_row(values, existing.get(key)):
                column = kind.schema.column(name)
                row_errors.append(RowError(line, header_of.get(name, column.header), message))
        if is_new:
            for column in kind.schema.columns:
                if column.required_for_new and values.get(column.name) in (None, ""):
                    failing = {e.column for e in row_errors}
                    name = header_of.get(column.name, column.header)
                    if name not in failing:
                        row_errors.append(RowError(line, name, _("Required for a new row.")))
        checked.errors.extend(row_errors)
        if not row_errors:
            checked.rows.append(CheckedRow(line, key, values, cells, is_new))
        if progress and (done % 500 == 0 or done == total):
            progress(done, total)
    return checked


def apply(
    checked: Checked, supplier: Organization, *, actor: User | None, actor_label: str = ""
) -> Result:
    """Write every checked row: all of them, or (on any error) none."""
    if checked.errors:
        return Result(0, 0, checked.errors, applied=False)
    if isinstance(checked, order_import.OrdersChecked):
        return order_import.apply(checked, supplier, actor=actor, actor_label=actor_label)
    return _apply_master_data(checked, supplier, actor=actor, actor_label=actor_label)


@transaction.atomic
def _apply_master_data(
    checked: Checked, supplier: Organization, *, actor: User | None, actor_label: str
) -> Result:
    kind = checked.kind
    assert isinstance(kind, Kind)  # noqa: S101 - orders take the other path
    existing = kind.existing(supplier, [row.key for row in checked.rows])
    created, updated = [], []
    changed_fields: set[str] = set()
    for row in checked.rows:
        values = {
            name: (
                NON_NULL_DEFAULTS.get(name)
                if value is None and name in NON_NULL_DEFAULTS
                else value
            )
            for name, value in row.values.items()
        }
        if row.is_new:
            created.append(kind.new(supplier, values))
            continue
        record = existing[row.key]
        for name, value in values.items():
            if getattr(record, name) != value:
                setattr(record, name, value)
                changed_fields.add(name)
        updated.append(record)
    kind.model._default_manager.bulk_create(created, batch_size=1000)
    if kind.model is Product:
        for record in updated:
            record.search_text = product_search_text(record)
        changed_fields.add("search_text")
    if updated and changed_fields:
        kind.model._default_manager.bulk_update(updated, sorted(changed_fields), batch_size=1000)
    kind.after_save(supplier, created, updated)
    audit.record(
        f"import.{kind.name}",
        actor=actor,
        actor_email=actor_label,
        organization=supplier,
        target_label=_("CSV import of %(kind)s") % {"kind": kind.label},
        changes={"created": len(created), "updated": len(updated)},
    )
    return Result(len(created), len(updated), [], applied=True)


def run_import(
    kind_name: str,
    supplier: Organization,
    data: bytes,
    *,
    actor: User | None,
    actor_label: str = "",
    dry_run: bool = False,
) -> Result:
    kind = KINDS[kind_name]
    checked = check(kind, supplier, data)
    if checked.errors or dry_run:
        return Result(checked.created, checked.updated, checked.errors, applied=False)
    return apply(checked, supplier, actor=actor, actor_label=actor_label)
