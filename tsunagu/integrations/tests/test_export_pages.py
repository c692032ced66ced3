from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.http import StreamingHttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.translation import gettext as _

from conftest import client_for
from tsunagu.accounts.models import Membership
from tsunagu.audit.models import AuditEntry
from tsunagu.catalog.tests.factories import ProductFactory
from tsunagu.integrations import services
from tsunagu.integrations.csv.order_export import SOURCES
from tsunagu.integrations.models import ImportJob
from tsunagu.integrations.tests.conftest import Shop
from tsunagu.integrations.tests.orders_csv import ORDERS_CSV, import_orders, write_file
from tsunagu.ordering.models import ExportProfile, Order

pytestmark = pytest.mark.django_db


@pytest.fixture
def imported(shop: Shop, tmp_path: Path) -> Shop:
    assert import_orders(write_file(tmp_path, "o.csv", ORDERS_CSV.encode("cp932"))).code == 0
    return shop


def profile_form(
    name: str,
    columns: list[tuple[str, int, str]],
    fixed: Sequence[tuple[str, str, int]] = (),
    encoding: str = "utf-8",
    date_format: str = "%Y/%m/%d",
) -> dict[str, Any]:
    """What the page posts: every source row (ticked or not), then the fixed-value rows."""
    data: dict[str, Any] = {
        "name": name,
        "encoding": encoding,
        "date_format": date_format,
        "columns-TOTAL_FORMS": len(SOURCES),
        "columns-INITIAL_FORMS": len(SOURCES),
        "fixed-TOTAL_FORMS": 3,
        "fixed-INITIAL_FORMS": 0,
    }
    chosen = {source: (position, header) for source, position, header in columns}
    for index, key in enumerate(SOURCES):
        data[f"columns-{index}-source"] = key
        if key in chosen:
            data[f"columns-{index}-include"] = "on"
            data[f"columns-{index}-position"] = chosen[key][0]
            data[f"columns-{index}-header"] = chosen[key][1]
        else:
            data[f"columns-{index}-header"] = SOURCES[key].header
    for index, (header, value, position) in enumerate(fixed):
        data[f"fixed-{index}-header"] = header
        data[f"fixed-{index}-value"] = value
        data[f"fixed-{index}-position"] = position
    return data


YAYOI = profile_form(
    "弥生販売用",
    columns=[("amount", 3, "金額"), ("order_number", 1, "伝票番号"), ("ordered_on", 2, "")],
    fixed=[("区分", "1", 2)],
)


def test_a_profile_made_on_the_page_is_used_for_a_download(
    imported: Shop, supplier_client: Client
) -> None:
    assert supplier_client.get(reverse("export-profile-new")).status_code == 200

    response = supplier_client.post(reverse("export-profile-new"), YAYOI)

    assert response.status_code == 302
    profile = ExportProfile.objects.get(supplier=imported.supplier)
    assert (profile.name, profile.encoding, profile.date_format) == (
        "弥生販売用",
        "utf-8",
        "%Y/%m/%d",
    )
    # Same position: the chosen column first, then the fixed one; a blank header is the default.
    assert profile.columns == [
        {"source": "order_number", "header": "伝票番号"},
        {"source": "ordered_on", "header": "受注日"},
        {"source": "fixed", "header": "区分", "value": "1"},
        {"source": "amount", "header": "金額"},
    ]
    assert AuditEntry.objects.filter(action="export_profile.created").count() == 1
    listing = supplier_client.get(reverse("export-profiles")).content.decode()
    assert "弥生販売用" in listing

    download = supplier_client.get(
        reverse("export-download"), {"profile": str(profile.pk), "date_from": "2026-11-03"}
    )

    assert isinstance(download, StreamingHttpResponse)
    assert download["Content-Type"] == "text/csv; charset=utf-8"
    assert download["Content-Disposition"] == (
        "attachment; filename*=utf-8''" + quote("orders-弥生販売用-20261103.csv")
    )
    assert b"".join(download.streaming_content).decode().split("\r\n") == [
        "伝票番号,受注日,区分,金額",
        "X-100,2026/11/03,1,1960",
        "X-100,2026/11/03,1,87",
        "",
    ]


def test_the_standard_download_streams_cp932_lazily(
    imported: Shop, supplier_client: Client
) -> None:
    response = supplier_client.get(reverse("export-download"))

    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=Shift_JIS"
    assert response["Content-Disposition"].startswith('attachment; filename="orders-')
    chunks = iter(response.streaming_content)
    first = next(chunks)
    assert first.decode("cp932").startswith("受注番号,得意先コード,得意先名,")
    assert "髙﨑㈱ 特製だし～極み～" in (first + b"".join(chunks)).decode("cp932")


def test_editing_a_profile_keeps_its_columns_and_names_are_unique(
    imported: Shop, supplier_client: Client
) -> None:
    supplier_client.post(reverse("export-profile-new"), YAYOI)
    profile = ExportProfile.objects.get()
    page = supplier_client.get(reverse("export-profile-edit", args=[profile.pk]))
    assert page.context["sources"].initial[0] == {
        "source": "order_number",
        "include": True,
        "position": 1,
        "header": "伝票番号",
    }
    assert page.context["fixed"].initial == [{"header": "区分", "value": "1", "position": 3}]

    again = supplier_client.post(reverse("export-profile-new"), YAYOI)

    assert again.status_code == 200
    taken = _("A layout named %(name)s already exists: choose another name.")
    assert taken % {"name": "弥生販売用"} in again.content.decode()
    assert ExportProfile.objects.count() == 1

    renamed = supplier_client.post(
        reverse("export-profile-edit", args=[profile.pk]), {**YAYOI, "name": "freee用"}
    )
    assert renamed.status_code == 302
    profile.refresh_from_db()
    assert profile.name == "freee用"


def test_a_profile_needs_a_column_and_a_header_for_a_fixed_value(
    imported: Shop, supplier_client: Client
) -> None:
    response = supplier_client.post(
        reverse("export-profile-new"), profile_form("空", columns=[], fixed=[("", "1", 1)])
    )

    assert response.status_code == 200
    assert _("Give this column a header.") in response.content.decode()
    response = supplier_client.post(reverse("export-profile-new"), profile_form("空", columns=[]))
    assert _("Choose at least one column.") in response.content.decode()
    assert not ExportProfile.objects.exists()


def test_characters_shift_jis_cannot_hold_are_shown_before_downloading(
    imported: Shop, supplier_client: Client, tmp_path: Path
) -> None:
    ProductFactory.create(supplier=imported.supplier, product_code="P009", name="𠮷野家の牛丼")
    content = "得意先コード,受注日,納品希望日,ステータス,商品コード,数量\nC002,2026-11-04,2026-11-06,受付待ち,P009,1\n"
    import_orders(write_file(tmp_path, "more.csv", content.encode("utf-8")))

    refused = supplier_client.get(reverse("export-download"))

    assert not isinstance(refused, StreamingHttpResponse)
    assert (
        "行 6: 商品名: 文字 &#x27;𠮷&#x27; (U+20BB7) はCP932で表せません"
        in refused.content.decode()
    )

    replaced = supplier_client.get(reverse("export-download"), {"replace": "on"})

    assert isinstance(replaced, StreamingHttpResponse)
    body = b"".join(replaced.streaming_content).decode("cp932")
    assert "〓野家の牛丼" in body


def test_orders_can_be_imported_from_the_page_with_a_preview(
    shop: Shop,
    supplier_client: Client,
    supplier_admin: Membership,
    run_tasks: Callable[[], int],
) -> None:
    page = supplier_client.get(reverse("import-new", args=["orders"]))
    assert page.status_code == 200
    assert "納品希望日" in page.content.decode()
    response = supplier_client.post(
        reverse("import-new", args=["orders"]),
        {"file": SimpleUploadedFile("orders.csv", ORDERS_CSV.encode("cp932"))},
    )
    job = ImportJob.objects.get()
    assert response.status_code == 302
    run_tasks()
    job.refresh_from_db()
    assert (job.status, job.created_count, job.updated_count) == ("checked", 2, 0)
    assert [row["line"] for row in job.preview["good_rows"]] == [2, 3, 4, 5]
    assert not Order.objects.exists()

    supplier_client.post(reverse("import-confirm", args=[job.pk]))
    run_tasks()

    job.refresh_from_db()
    assert (job.status, job.created_count) == ("done", 2)
    assert set(Order.objects.values_list("placed_by", flat=True)) == {supplier_admin.user_id}
    summary = AuditEntry.objects.get(action="import.orders")
    assert (summary.actor_id, summary.changes["created"]) == (supplier_admin.user_id, 2)
    detail = supplier_client.get(reverse("import-detail", args=[job.pk])).content.decode()
    assert reverse("supplier-inbox") in detail


def test_another_supplier_can_neither_see_nor_use_a_profile(
    imported: Shop, supplier_client: Client, outsider_client: Client
) -> None:
    supplier_client.post(reverse("export-profile-new"), YAYOI)
    profile = ExportProfile.objects.get()

    assert "弥生販売用" not in outsider_client.get(reverse("export-profiles")).content.decode()
    edit = reverse("export-profile-edit", args=[profile.pk])
    assert outsider_client.get(edit).status_code == 404
    assert outsider_client.post(edit, {**YAYOI, "name": "乗っ取り"}).status_code == 404
    assert (
        outsider_client.get(reverse("export-download"), {"profile": str(profile.pk)}).status_code
        == 404
    )
    delete = reverse("export-profile-delete", args=[profile.pk])
    assert outsider_client.post(delete).status_code == 404
    profile.refresh_from_db()
    assert profile.name == "弥生販売用"
    # The outsider's own standard export holds none of the first supplier's orders.
    own = outsider_client.get(reverse("export-download"))
    assert b"".join(own.streaming_content).decode("cp932").count("\r\n") == 1  # type: ignore[attr-defined]


def test_viewers_download_but_do_not_change_profiles(
    imported: Shop, supplier_member: Membership
) -> None:
    supplier_member.role = "viewer"
    supplier_member.save()
    viewer = client_for(supplier_member)

    assert viewer.post(reverse("export-profile-new"), YAYOI).status_code == 403
    assert isinstance(viewer.get(reverse("export-download")), StreamingHttpResponse)
    assert not ExportProfile.objects.exists()


def test_a_profile_can_be_deleted(imported: Shop, supplier_client: Client) -> None:
    supplier_client.post(reverse("export-profile-new"), YAYOI)
    profile = ExportProfile.objects.get()

    response = supplier_client.post(reverse("export-profile-delete", args=[profile.pk]))

    assert response.status_code == 302
    assert not ExportProfile.objects.exists()
    assert AuditEntry.objects.filter(action="export_profile.deleted").count() == 1


def test_the_exports_page_makes_the_same_queries_for_many_profiles(
    imported: Shop, supplier_client: Client, supplier_admin: Membership
) -> None:
    def make(name: str) -> ExportProfile:
        return services.save_export_profile(
            None,
            actor=supplier_admin,
            name=name,
            encoding="cp932",
            date_format="%Y%m%d",
            columns=[{"source": "order_number", "header": "番号"}],
        )

    def queries() -> tuple[int, str]:
        with CaptureQueriesContext(connection) as captured:
            page = supplier_client.get(reverse("export-profiles"))
        return len(captured.captured_queries), page.content.decode()

    profiles = [make("一")]
    queries()  # the session and the membership are loaded once
    one, _page = queries()
    profiles += [make(name) for name in ("二", "三", "四")]
    four, content = queries()

    assert four == one
    for profile in profiles:
        assert reverse("export-profile-edit", args=[profile.pk]) in content
