from django.db import migrations

from tsunagu.audit.migrations._triggers import execute_for_vendor
from tsunagu.documents.migrations._triggers import (
    POSTGRESQL_FORWARD,
    POSTGRESQL_REVERSE,
    SQLITE_FORWARD,
    SQLITE_REVERSE,
)


def add_trigger(apps, schema_editor):
    # As for the operation log (audit 0001): PostgreSQL refuses an UPDATE of an issued document's
    # frozen fields and any DELETE (TRUNCATE stays for the table owner; tests flush with it).
    # SQLite refuses the UPDATE; its DELETE is refused by the application (tests flush SQLite
    # with DELETE), and verify_audit_log names a document whose row went missing.
    execute_for_vendor(schema_editor, postgresql=POSTGRESQL_FORWARD, sqlite=SQLITE_FORWARD)


def remove_trigger(apps, schema_editor):
    execute_for_vendor(schema_editor, postgresql=POSTGRESQL_REVERSE, sqlite=SQLITE_REVERSE)


class Migration(migrations.Migration):
    dependencies = [
        ("documents", "0004_lease_billing_run_claims"),
    ]

    operations = [
        migrations.RunPython(add_trigger, remove_trigger),
    ]
