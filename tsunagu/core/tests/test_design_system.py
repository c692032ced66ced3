from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from tsunagu.accounts.models import Membership

pytestmark = pytest.mark.django_db


def test_a_rejected_form_keeps_what_was_typed_and_shows_the_error_under_its_field(
    supplier_client: Client,
) -> None:
    response = supplier_client.post(
        reverse("styleguide"), {"customer_code": "C-001", "quantity": "0", "note": "午前中に"}
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert 'value="C-001"' in page
    assert "午前中に</textarea>" in page
    quantity = re.search(r'<input type="number" name="quantity"[^>]*>', page)
    assert quantity is not None
    assert 'aria-invalid="true"' in quantity.group(0)
    error_at = page.index('id="id_quantity_error"')
    assert page.index('name="quantity"') < error_at < page.index('name="note"')
    assert "この値は 1 以上でなければなりません。" in page


def test_a_valid_form_answers_with_what_happened(supplier_client: Client) -> None:
    response = supplier_client.post(
        reverse("styleguide"), {"customer_code": "C-001", "quantity": "3"}, follow=True
    )

    assert "入力内容を確認しました(保存はしていません)。" in response.content.decode()


def test_tables_carry_labels_for_the_card_layout_and_pages_are_numbered(
    supplier_client: Client,
) -> None:
    page = supplier_client.get(reverse("styleguide"), {"page": 2}).content.decode()

    assert 'class="table table--cards"' in page
    assert page.count('data-label="商品コード"') == 5
    assert "2 / 5 ページ" in page
    assert 'rel="prev"' in page
    assert 'rel="next"' in page


def test_header_shows_the_active_organization_and_role(
    supplier_client: Client, supplier_admin: Membership
) -> None:
    page = supplier_client.get(reverse("dashboard")).content.decode()

    assert '<span class="switcher__name">テスト食品卸 株式会社</span>' in page
    assert '<span class="switcher__role">管理者</span>' in page
    assert "/static/django_htmx/htmx" in page
    assert "cdn" not in page.lower()
