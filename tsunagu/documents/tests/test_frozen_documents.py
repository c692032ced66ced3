"""Issued documents are protected like the operation log: the database refuses changes to their
frozen fields (and, on PostgreSQL, their deletion), and verify_audit_log compares every document
with the audit entry of its issue and its stored PDF with its SHA-256."""

from __future__ import annotations

import json
from io import StringIO
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from tsunagu.accounts.models import Membership
from tsunagu.core.encryption import encrypt
from tsunagu.customers.models import Customer
from tsunagu.documents import services
from tsunagu.documents.migrations import _triggers
from tsunagu.documents.models import FROZEN_FIELDS, Document, DocumentStatus

pytestmark = pytest.mark.django_db


def raw_execute(sql: str, params: list[Any]) -> None:
    """Change documents_document behind the application's back, trigger switched off."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The rows were inserted in this test's transaction: their deferred foreign-key
            # checks must run before the table can be altered.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(
                "ALTER TABLE documents_document DISABLE TRIGGER documents_document_frozen"
            )
            cursor.execute(sql, params)
            cursor.execute(
                "ALTER TABLE documents_document ENABLE TRIGGER documents_document_frozen"
            )
        else:
            cursor.execute(_triggers.SQLITE_REVERSE)
            cursor.execute(sql, params)
            cursor.execute(_triggers.SQLITE_FORWARD)


def db_id(document: Document) -> str:
    """The id as the database stores it (SQLite: 32 hex digits)."""
    return str(Document._meta.get_field("id").get_db_prep_value(document.pk, connection))


def verify(*args: str) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("verify_audit_log", *args, stdout=out, stderr=err)
    except CommandError as error:
        return error.returncode, out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def test_the_trigger_guards_exactly_the_frozen_fields() -> None:
    assert _triggers.FROZEN_COLUMNS == FROZEN_FIELDS


@pytest.mark.parametrize(
    ("column", "value"),
    [("total", 1), ("content", '{"lines": []}'), ("pdf_sha256", "0" * 64), ("number", "X-1")],
)
def test_the_database_refuses_an_update_of_a_frozen_field_by_hand(
    invoice: Document, column: str, value: Any
) -> None:
    with (
        pytest.raises(DatabaseError, match="frozen"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            f"UPDATE documents_document SET {column} = %s WHERE id = %s",  # noqa: S608 - our names
            [value, db_id(invoice)],
        )

    invoice.refresh_from_db()
    assert invoice.total == 1000 + 100 + 888 + 71


def test_status_moves_still_work(invoice: Document, supplier_admin: Membership) -> None:
    services.mark_sent(invoice, actor=supplier_admin)
    services.void_document(invoice, actor=supplier_admin, reason="宛名の誤り")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE documents_document SET updated_at = updated_at WHERE id = %s",
            [db_id(invoice)],
        )

    invoice.refresh_from_db()
    assert (invoice.status, invoice.void_reason) == (DocumentStatus.VOID, "宛名の誤り")


def test_postgresql_refuses_a_delete_by_hand(invoice: Document) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the DELETE trigger is PostgreSQL's; SQLite refuses in the application")
    with (
        pytest.raises(DatabaseError, match="never deleted"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM documents_document WHERE id = %s", [db_id(invoice)])


def test_verify_checks_every_document_and_passes_when_nothing_changed(
    invoice: Document, customer: Customer
) -> None:
    code, out, err = verify()

    assert (code, err) == (0, "")
    assert "帳票: 1件を発行時の記録と照合しました。改ざんはありません。" in out


def test_a_total_changed_behind_the_triggers_back_is_named(invoice: Document) -> None:
    raw_execute("UPDATE documents_document SET total = 1 WHERE id = %s", [db_id(invoice)])

    code, _out, err = verify("--supplier", "test-supplier")

    assert code == 1
    assert f"帳票が発行時と違います: {invoice.number} (invoice, id {invoice.pk})" in err
    assert "its total is 1, the audit entry says 2059" in err


def test_changed_lines_are_found_by_the_digest_of_the_frozen_fields(invoice: Document) -> None:
    content = dict(invoice.content)
    content["lines"] = content["lines"][:1]
    raw_execute(
        "UPDATE documents_document SET content = %s WHERE id = %s",
        [json.dumps(content, ensure_ascii=False), db_id(invoice)],
    )

    code, _out, err = verify()

    assert code == 1
    assert invoice.number in err
    assert "its issued fields (lines, amounts or PDF reference) differ from the audit entry" in err


def test_a_replaced_pdf_is_found_by_its_sha256(invoice: Document) -> None:
    default_storage.delete(invoice.pdf_storage_name)
    default_storage.save(invoice.pdf_storage_name, ContentFile(encrypt(b"%PDF-1.7 forged")))

    code, _out, err = verify()

    assert code == 1
    assert f"{invoice.number} (invoice" in err
    assert "its stored PDF's SHA-256 differs from the one recorded" in err


def test_a_deleted_document_is_found_from_its_audit_entry(invoice: Document) -> None:
    raw_execute("DELETE FROM documents_document WHERE id = %s", [db_id(invoice)])

    code, _out, err = verify()

    assert code == 1
    assert f"帳票が発行時と違います: {invoice.number} (invoice, id {invoice.pk})" in err
    assert "missing from the database" in err
