from django.db import migrations, models

from tsunagu.audit.migrations._triggers import (
    POSTGRESQL_FORWARD,
    POSTGRESQL_REVERSE,
    SQLITE_FORWARD,
    SQLITE_REVERSE,
    execute_for_vendor,
)


def add_trigger(apps, schema_editor):
    # PostgreSQL refuses UPDATE and DELETE of entries. TRUNCATE stays possible for the table owner
    # (tests flush with it); production grants the application role no TRUNCATE. SQLite refuses
    # UPDATE; its DELETE is refused by the application (tests flush SQLite with DELETE).
    execute_for_vendor(schema_editor, postgresql=POSTGRESQL_FORWARD, sqlite=SQLITE_FORWARD)


def remove_trigger(apps, schema_editor):
    execute_for_vendor(schema_editor, postgresql=POSTGRESQL_REVERSE, sqlite=SQLITE_REVERSE)


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="AuditChainHead",
            fields=[
                ("chain", models.CharField(max_length=64, primary_key=True, serialize=False)),
                ("sequence", models.PositiveBigIntegerField(default=0)),
                ("last_hash", models.CharField(default="0" * 64, max_length=64)),
            ],
        ),
        migrations.CreateModel(
            name="AuditEntry",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("chain", models.CharField(max_length=64)),
                ("sequence", models.PositiveBigIntegerField()),
                ("occurred_at", models.DateTimeField(db_index=True, verbose_name="date and time")),
                ("actor_id", models.UUIDField(blank=True, null=True)),
                ("actor_email", models.CharField(blank=True, max_length=254, verbose_name="actor")),
                ("organization_id", models.UUIDField(blank=True, db_index=True, null=True)),
                ("acting_for_id", models.UUIDField(blank=True, null=True)),
                ("acting_for_name", models.CharField(blank=True, max_length=200)),
                ("action", models.CharField(db_index=True, max_length=64, verbose_name="operation")),
                ("target_type", models.CharField(blank=True, max_length=64)),
                ("target_id", models.CharField(blank=True, max_length=64)),
                ("target_label", models.CharField(blank=True, max_length=255, verbose_name="target")),
                ("changes", models.JSONField(blank=True, default=dict)),
                ("ip", models.GenericIPAddressField(blank=True, null=True, verbose_name="IP address")),
                ("user_agent", models.CharField(blank=True, max_length=300)),
                ("request_id", models.CharField(blank=True, max_length=64)),
                ("previous_hash", models.CharField(max_length=64)),
                ("entry_hash", models.CharField(max_length=64)),
            ],
            options={
                "verbose_name": "operation log entry",
                "verbose_name_plural": "operation log",
                "indexes": [models.Index(fields=["organization_id", "-occurred_at"], name="audit_org_time")],
                "constraints": [models.UniqueConstraint(fields=("chain", "sequence"), name="audit_entry_chain_sequence")],
            },
        ),
        migrations.RunPython(add_trigger, remove_trigger),
    ]
