"""The append-only trigger SQL, shared by the migration and the tampering tests, and the way the
trigger migrations run their SQL on each database (documents 0005 protects issued documents the
same way)."""

from __future__ import annotations

from typing import Any


def execute_for_vendor(schema_editor: Any, *, postgresql: str, sqlite: str) -> None:
    """Run the SQL written for the database being migrated; other databases get no trigger."""
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(postgresql, params=None)
    elif vendor == "sqlite":
        schema_editor.execute(sqlite)


POSTGRESQL_FORWARD = """
CREATE FUNCTION audit_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the operation log is append-only: % on audit_auditentry refused', TG_OP;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON audit_auditentry
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
"""
POSTGRESQL_REVERSE = """
DROP TRIGGER IF EXISTS audit_entry_append_only ON audit_auditentry;
DROP FUNCTION IF EXISTS audit_refuse_change();
"""
SQLITE_FORWARD = """
CREATE TRIGGER audit_entry_append_only BEFORE UPDATE ON audit_auditentry
BEGIN SELECT RAISE(ABORT, 'the operation log is append-only: UPDATE on audit_auditentry refused'); END;
"""
SQLITE_REVERSE = "DROP TRIGGER IF EXISTS audit_entry_append_only;"
