from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from tsunagu.accounts.models import Membership, Organization
from tsunagu.audit import services
from tsunagu.audit.models import AppendOnlyError, AuditEntry
from tsunagu.audit.tests.tampering import raw_execute

pytestmark = pytest.mark.django_db


def write_entries(membership: Membership, count: int) -> list[AuditEntry]:
    return [
        services.record(
            "member.role_changed",
            actor=membership.user,
            organization=membership.organization,
            target=membership,
            changes={"role": ["member", "admin"], "n": n},
        )
        for n in range(count)
    ]


def verify(*args: str) -> tuple[int, str, str]:
    from io import StringIO

    out, err = StringIO(), StringIO()
    try:
        call_command("verify_audit_log", *args, stdout=out, stderr=err)
    except CommandError as error:
        return error.returncode, out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def test_entries_are_chained_by_hash_per_organization(
    supplier_admin: Membership, outsider: Membership
) -> None:
    first, second = write_entries(supplier_admin, 2)
    other = write_entries(outsider, 1)[0]

    assert (first.sequence, second.sequence, other.sequence) == (1, 2, 1)
    assert first.previous_hash == "0" * 64
    assert second.previous_hash == first.entry_hash
    assert other.previous_hash == "0" * 64
    assert first.actor_email == "admin@supplier.test"
    assert first.target_type == "accounts.membership"
    assert first.changes == {"role": ["member", "admin"], "n": 0}


def test_verify_reports_intact_chains(supplier_admin: Membership, outsider: Membership) -> None:
    write_entries(supplier_admin, 3)
    write_entries(outsider, 2)

    code, out, _err = verify()

    assert code == 0
    assert "5件の記録を確認しました" in out
    code, out, _err = verify("--supplier", "test-supplier")
    assert code == 0
    assert "3件" in out


def test_the_application_cannot_change_or_delete_an_entry(supplier_admin: Membership) -> None:
    entry = write_entries(supplier_admin, 1)[0]

    entry.action = "something.else"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).update(action="x")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().delete()


def test_the_database_refuses_an_update_by_hand(supplier_admin: Membership) -> None:
    entry = write_entries(supplier_admin, 1)[0]

    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE audit_auditentry SET action = 'x' WHERE id = %s", [entry.pk])


def test_postgresql_refuses_a_delete_by_hand(supplier_admin: Membership) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the DELETE trigger is PostgreSQL's; SQLite refuses in the application")
    entry = write_entries(supplier_admin, 1)[0]

    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [entry.pk])


def test_an_altered_entry_is_named(supplier_admin: Membership) -> None:
    entries = write_entries(supplier_admin, 4)
    raw_execute(
        "UPDATE audit_auditentry SET target_label = %s WHERE id = %s", ["改ざん", entries[2].pk]
    )

    code, _out, err = verify()

    assert code == 1
    assert f"記録 #{entries[2].pk}" in err
    assert "sequence 3" in err
    assert "content differs" in err


def test_a_removed_entry_in_the_middle_is_found(supplier_admin: Membership) -> None:
    entries = write_entries(supplier_admin, 4)
    raw_execute("DELETE FROM audit_auditentry WHERE id = %s", [entries[1].pk])

    code, _out, err = verify("--supplier", "test-supplier")

    assert code == 1
    assert f"記録 #{entries[2].pk}" in err
    assert "entry 2 is missing" in err


def test_removed_last_entries_are_found(supplier_admin: Membership) -> None:
    entries = write_entries(supplier_admin, 3)
    raw_execute("DELETE FROM audit_auditentry WHERE id = %s", [entries[2].pk])

    code, _out, err = verify()

    assert code == 1
    assert "the last 1 entries are missing" in err


def test_an_entry_rolls_back_with_the_change_it_describes(supplier_admin: Membership) -> None:
    def failing_service() -> None:
        with transaction.atomic():
            write_entries(supplier_admin, 1)
            raise RuntimeError("the service failed")

    with pytest.raises(RuntimeError):
        failing_service()

    assert not AuditEntry.objects.exists()
    write_entries(supplier_admin, 1)
    assert verify()[0] == 0


def test_unknown_supplier_code_is_a_clear_error(supplier: Organization) -> None:
    with pytest.raises(CommandError, match="組織コード nope の組織はありません"):
        call_command("verify_audit_log", "--supplier", "nope")


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_never_fork_the_chain(supplier_admin: Membership) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writer at a time; the race exists on PostgreSQL")
    import threading

    from django.db import connections

    errors: list[BaseException] = []

    def writer() -> None:
        try:
            for _ in range(10):
                with transaction.atomic():
                    write_entries(supplier_admin, 1)
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    sequences = list(
        AuditEntry.objects.filter(organization_id=supplier_admin.organization_id)
        .order_by("sequence")
        .values_list("sequence", flat=True)
    )
    assert sequences == list(range(1, 61))
    assert verify()[0] == 0
