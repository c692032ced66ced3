"""The trigger SQL that keeps issued documents as they were issued (DESIGN.md §4), shared by the
migration and the tampering tests. The frozen columns are models.FROZEN_FIELDS; status, the void
reason, the buyer link and the timestamps may still change (sent, paid, void)."""

FROZEN_COLUMNS = (
    "supplier_id",
    "customer_id",
    "doc_type",
    "number",
    "issued_on",
    "period_start",
    "period_end",
    "due_date",
    "is_qualified_invoice",
    "content",
    "amount_10",
    "amount_8",
    "tax_10",
    "tax_8",
    "total",
    "previous_balance",
    "payments",
    "amount_due",
    "original_id",
    "pdf_storage_name",
    "pdf_sha256",
)

_PG_CHANGED = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in FROZEN_COLUMNS)
_SQLITE_CHANGED = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in FROZEN_COLUMNS)

POSTGRESQL_FORWARD = f"""
CREATE FUNCTION documents_refuse_change() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'an issued document is never deleted: DELETE on documents_document refused';
    END IF;
    IF {_PG_CHANGED} THEN
        RAISE EXCEPTION 'an issued document is frozen: UPDATE of its issued fields refused';
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER documents_document_frozen BEFORE UPDATE OR DELETE ON documents_document
    FOR EACH ROW EXECUTE FUNCTION documents_refuse_change();
"""
POSTGRESQL_REVERSE = """
DROP TRIGGER IF EXISTS documents_document_frozen ON documents_document;
DROP FUNCTION IF EXISTS documents_refuse_change();
"""
SQLITE_FORWARD = f"""
CREATE TRIGGER documents_document_frozen BEFORE UPDATE ON documents_document
WHEN {_SQLITE_CHANGED}
BEGIN SELECT RAISE(ABORT, 'an issued document is frozen: UPDATE of its issued fields refused'); END;
"""
SQLITE_REVERSE = "DROP TRIGGER IF EXISTS documents_document_frozen;"
