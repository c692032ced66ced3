from __future__ import annotations

from collections.abc import Callable
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from conftest import client_for
from tsunagu.accounts.models import Membership, Organization
from tsunagu.customers.models import Customer
from tsunagu.integrations.models import ImportJob

pytestmark = pytest.mark.django_db

GOOD = "得意先コード,得意先名,締日,納品曜日\nK1,レストラン ｻｸﾗ,20,月水金\nK2,居酒屋 はなみち,末,\n"
BAD = "得意先コード,得意先名,締日,納品曜日\nK1,レストラン ｻｸﾗ,32,月水金\nK2,,末,\nK3,ベーカリー,10,毎日\n"


def upload(client: Client, text: str, encoding: str = "cp932") -> ImportJob:
    response = client.post(
        reverse("import-new", args=["customers"]),
        {
            "file": SimpleUploadedFile(
                "customers.csv", text.encode(encoding), content_type="text/csv"
            )
        },
    )
    assert response.status_code == 302
    return ImportJob.objects.latest("created_at")


def test_a_bad_file_is_previewed_with_every_bad_cell_marked_and_nothing_saved(
    supplier_client: Client, run_tasks: Callable[[], int]
) -> None:
    job = upload(supplier_client, BAD)
    assert (
        'hx-trigger="every '
        in supplier_client.get(reverse("import-detail", args=[job.pk])).content.decode()
    )

    run_tasks()
    page = supplier_client.get(reverse("import-detail", args=[job.pk])).content.decode()

    assert page.count('class="cell--bad"') == 2
    assert "行 2: 締日:" in page
    assert "行 3: 得意先名:" in page
    assert 'hx-trigger="every ' not in page
    assert supplier_client.post(reverse("import-confirm", args=[job.pk])).status_code == 302
    run_tasks()
    assert not Customer.objects.exists()


def test_a_good_file_is_previewed_then_imported_on_confirmation(
    supplier_client: Client, supplier: Organization, run_tasks: Callable[[], int]
) -> None:
    job = upload(supplier_client, GOOD, "utf-8-sig")
    run_tasks()
    assert not Customer.objects.exists()

    supplier_client.post(reverse("import-confirm", args=[job.pk]))
    run_tasks()

    job.refresh_from_db()
    assert (job.status, job.created_count) == ("done", 2)
    assert sorted(Customer.objects.values_list("customer_code", flat=True)) == ["K1", "K2"]
    assert Customer.objects.get(customer_code="K1").name == "レストラン サクラ"


def test_only_staff_who_may_write_can_import(supplier_member: Membership) -> None:
    supplier_member.role = "viewer"
    supplier_member.save()

    response = client_for(supplier_member).post(reverse("import-new", args=["customers"]), {})

    assert response.status_code == 403


def test_an_import_that_fails_unexpectedly_says_so_instead_of_waiting_for_ever(
    supplier_client: Client, run_tasks: Callable[[], int]
) -> None:
    job = upload(supplier_client, GOOD, "utf-8-sig")
    run_tasks()
    supplier_client.post(reverse("import-confirm", args=[job.pk]))

    with mock.patch(
        "tsunagu.integrations.services.importing.apply",
        side_effect=OverflowError("Python int too large to convert to SQLite INTEGER"),
    ):
        run_tasks()

    job.refresh_from_db()
    assert job.status == "invalid"
    page = supplier_client.get(reverse("import-detail", args=[job.pk])).content.decode()
    assert 'hx-trigger="every ' not in page
    assert "予期しないエラーで止まりました" in page
    assert not Customer.objects.exists()
