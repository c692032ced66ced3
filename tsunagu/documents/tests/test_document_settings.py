from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from conftest import client_for
from tsunagu.accounts.models import Membership, Organization
from tsunagu.audit.models import AuditEntry
from tsunagu.customers.models import Customer
from tsunagu.documents.models import DocumentSequence, DocumentType
from tsunagu.documents.tests.factories import issued

pytestmark = pytest.mark.django_db

URL = "/supplier/documents/settings/"


def _image(kind: str = "PNG", color: str = "navy") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 40), color).save(buffer, format=kind)
    return buffer.getvalue()


def _form(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "bank_accounts": "つなぐ銀行 本店 普通 1234567",
        "invoice_remarks": "お振込手数料はご負担ください。",
        "qualified_invoice_document": "invoice",
        "move_due_dates_off_holidays": "on",
    }
    for doc_type, _label in DocumentType.choices:
        data[f"format_{doc_type}"] = DocumentSequence(doc_type=doc_type).number_format
    data.update(changes)
    return data


def test_the_page_shows_the_settings_and_the_next_number_of_each_type(
    supplier_client: Client, supplier: Organization, customer: Customer
) -> None:
    issued(supplier, customer, doc_type=DocumentType.INVOICE)

    response = supplier_client.get(URL)

    page = response.content.decode()
    assert response.status_code == 200
    assert "帳票の設定" in page
    invoices = DocumentSequence.objects.get(supplier=supplier, doc_type=DocumentType.INVOICE)
    assert f'value="{invoices.number_format}"' in page
    today = timezone.localdate()
    assert f"I{today:%Y%m}-00002" in page
    assert f"D{today:%Y%m}-00001" in page


def test_logo_seal_and_texts_are_saved_audited_and_printed_on_the_next_document(
    supplier_client: Client, supplier: Organization, customer: Customer
) -> None:
    data = _form(
        logo=SimpleUploadedFile("logo.png", _image(), content_type="image/png"),
        seal=SimpleUploadedFile("seal.jpg", _image("JPEG", "red"), content_type="image/jpeg"),
        qualified_invoice_document="periodic_invoice",
    )

    response = supplier_client.post(URL, data, follow=True)

    assert "帳票の設定を保存しました" in response.content.decode()
    supplier.refresh_from_db()
    assert supplier.logo
    assert supplier.seal
    assert supplier.bank_accounts == "つなぐ銀行 本店 普通 1234567"
    assert supplier.qualified_invoice_document == "periodic_invoice"
    entry = AuditEntry.objects.get(action="documents.settings_updated")
    assert {"logo", "seal", "bank_accounts", "qualified_invoice_document"} <= set(entry.changes)
    document = issued(supplier, customer, doc_type=DocumentType.INVOICE)
    assert not document.is_qualified_invoice
    assert document.content["bank_accounts"] == ["つなぐ銀行 本店 普通 1234567"]


def test_a_logo_can_be_removed_and_the_old_file_is_deleted(
    supplier_client: Client, supplier: Organization, django_capture_on_commit_callbacks: Any
) -> None:
    supplier_client.post(
        URL, _form(logo=SimpleUploadedFile("logo.png", _image(), content_type="image/png"))
    )
    supplier.refresh_from_db()
    name = str(supplier.logo.name)
    assert default_storage.exists(name)

    with django_capture_on_commit_callbacks(execute=True):
        supplier_client.post(URL, _form(**{"logo-clear": "on"}))

    supplier.refresh_from_db()
    assert not supplier.logo
    assert not default_storage.exists(name)


def test_a_number_format_typed_full_width_is_normalised_and_used(
    supplier_client: Client, supplier: Organization, customer: Customer
) -> None:
    data = _form(format_invoice="ＳＥ－｛Ｙ｝－｛ｓｅｑ：０４｝")

    supplier_client.post(URL, data)

    document = issued(supplier, customer, doc_type=DocumentType.INVOICE)
    assert document.number == f"SE-{document.issued_on:%Y}-0001"


@pytest.mark.parametrize(
    ("number_format", "message"),
    [
        ("{Y}{M}-", "{seq}"),
        ("{Y}-{seq:05}-{name}", "{Y}、{M}、{D}、{seq:05}"),
    ],
)
def test_a_bad_number_format_is_refused_at_its_field_and_nothing_is_saved(
    supplier_client: Client, supplier: Organization, number_format: str, message: str
) -> None:
    data = _form(format_delivery_note=number_format, bank_accounts="新しい口座")

    response = supplier_client.post(URL, data)

    page = response.content.decode()
    assert response.status_code == 200
    assert message in page
    assert f'value="{number_format}"' in page
    assert "新しい口座" in page
    supplier.refresh_from_db()
    assert supplier.bank_accounts == ""
    assert not AuditEntry.objects.filter(action="documents.settings_updated").exists()


@pytest.mark.parametrize(
    ("name", "content_type", "message"),
    [("logo.gif", "image/gif", "PNGかJPEG"), ("notes.txt", "text/plain", "画像")],
)
def test_an_image_the_pdf_cannot_print_is_refused(
    supplier_client: Client, supplier: Organization, name: str, content_type: str, message: str
) -> None:
    content = _image("GIF") if name.endswith(".gif") else b"not an image"
    upload = SimpleUploadedFile(name, content, content_type=content_type)

    response = supplier_client.post(URL, _form(logo=upload))

    assert message in response.content.decode()
    supplier.refresh_from_db()
    assert not supplier.logo


def test_a_warning_says_when_the_supplier_has_no_registration_number(
    supplier_client: Client, supplier: Organization
) -> None:
    supplier.registration_number = ""
    supplier.save()

    page = supplier_client.get(URL).content.decode()

    assert 'id="no-registration-number"' in page


def test_only_the_suppliers_admins_open_the_settings(
    supplier_member: Membership, buyer_member: Membership
) -> None:
    assert client_for(supplier_member).get(URL).status_code == 403
    assert client_for(buyer_member).get(URL).status_code == 403
    assert reverse("document-settings") == URL
