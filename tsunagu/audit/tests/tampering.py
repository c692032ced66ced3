"""Changing the log behind the application's back, as someone with database access could."""

from __future__ import annotations

from django.db import connection

from tsunagu.audit.migrations import _triggers


def raw_execute(sql: str, params: list[str | int]) -> None:
    """Run SQL on audit_auditentry with the append-only trigger switched off for the moment."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER audit_entry_append_only")
            cursor.execute(sql, params)
            cursor.execute("ALTER TABLE audit_auditentry ENABLE TRIGGER audit_entry_append_only")
        else:
            cursor.execute(_triggers.SQLITE_REVERSE)
            cursor.execute(sql, params)
            cursor.execute(_triggers.SQLITE_FORWARD)
