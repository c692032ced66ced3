"""A customer's registration number passes the corporate check digit, or is marked as an
individual's (個人事業者 numbers have no corporate check digit)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from tsunagu.accounts.models import Organization
from tsunagu.customers.models import Customer
from tsunagu.customers.tests.test_pages import CUSTOMER
from tsunagu.integrations.csv import exporting

pytestmark = pytest.mark.django_db

CORPORATE = "T4010001234567"  # check digit 4: passes
BAD_CHECK_DIGIT = "T5010001234567"  # check digit should be 4


def test_a_number_with_a_wrong_check_digit_is_refused_next_to_the_field(
    supplier_client: Client,
) -> None:
    response = supplier_client.post(
        reverse("customer-new"), {**CUSTOMER, "registration_number": BAD_CHECK_DIGIT}
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_registration_number_error"' in page
    assert "法人番号の検査" in page
    assert f'value="{BAD_CHECK_DIGIT}"' in page
    assert not Customer.objects.exists()


def test_an_individuals_number_is_saved_with_a_warning(
    supplier_client: Client, supplier: Organization
) -> None:
    response = supplier_client.post(
        reverse("customer-new"),
        {
            **CUSTOMER,
            "registration_number": BAD_CHECK_DIGIT,
            "registration_is_individual": "on",
        },
        follow=True,
    )

    customer = Customer.objects.get(supplier=supplier)
    assert (customer.registration_number, customer.registration_is_individual) == (
        BAD_CHECK_DIGIT,
        True,
    )
    page = response.content.decode()
    assert "個人事業者の番号として保存しました" in page


def test_a_corporate_number_is_saved_without_a_warning(
    supplier_client: Client, supplier: Organization
) -> None:
    response = supplier_client.post(
        reverse("customer-new"),
        {**CUSTOMER, "registration_number": "ｔ４０１０００１２３４５６７"},
        follow=True,
    )

    customer = Customer.objects.get(supplier=supplier)
    assert customer.registration_number == CORPORATE
    assert customer.registration_is_individual is False
    assert "個人事業者の番号として保存しました" not in response.content.decode()


def run_import(tmp_path: Path, content: str) -> tuple[int, str]:
    path = tmp_path / "customers.csv"
    path.write_text(content, encoding="utf-8")
    out = __import__("io").StringIO()
    try:
        call_command(
            "import_csv", "customers", "--supplier", "test-supplier", str(path), stdout=out
        )
    except CommandError as error:
        return error.returncode, out.getvalue()
    return 0, out.getvalue()


def test_the_customer_import_refuses_a_wrong_check_digit_unless_the_row_says_individual(
    supplier: Organization, tmp_path: Path
) -> None:
    code, out = run_import(
        tmp_path, f"得意先コード,得意先名,登録番号\nC001,さくら,{BAD_CHECK_DIGIT}\n"
    )

    assert code == 1
    assert "行 2: 登録番号: " in out
    assert "個人事業者" in out
    assert not Customer.objects.exists()

    code, out = run_import(
        tmp_path,
        f"得意先コード,得意先名,登録番号,個人事業者\nC001,さくら,{BAD_CHECK_DIGIT},個人\n"
        f"C002,はなみち,{CORPORATE},\n",
    )

    assert code == 0, out
    sakura = Customer.objects.get(customer_code="C001")
    assert (sakura.registration_number, sakura.registration_is_individual) == (
        BAD_CHECK_DIGIT,
        True,
    )
    assert Customer.objects.get(customer_code="C002").registration_is_individual is False


def test_the_customer_export_says_which_numbers_are_individuals_and_imports_back(
    supplier: Organization, tmp_path: Path
) -> None:
    run_import(
        tmp_path,
        f"得意先コード,得意先名,登録番号,個人事業者\nC001,さくら,{BAD_CHECK_DIGIT},個人\n",
    )

    lines = "".join(
        exporting.rows("customers", Customer.objects.filter(supplier=supplier))
    ).splitlines()

    header = lines[0].lstrip("\ufeff").split(",")
    row = dict(zip(header, lines[1].split(","), strict=True))
    assert row["個人事業者"] == "個人"
    assert run_import(tmp_path, "\n".join(lines) + "\n")[0] == 0
