from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse

from tsunagu.accounts.models import Membership, Organization
from tsunagu.ordering.models import CartLine
from tsunagu.ordering.tests.factories import cart_contents as cart
from tsunagu.ordering.tests.factories import cart_shop

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(supplier: Organization, buyer: Organization, buyer_member: Membership) -> SimpleNamespace:
    return cart_shop(supplier, buyer, sake_by_piece=False)


def textarea(page: str) -> str:
    match = re.search(r'<textarea id="lines"[^>]*>(.*?)</textarea>', page, re.S)
    assert match is not None
    return match.group(1).strip()


def test_after_a_partial_success_only_the_lines_that_did_not_go_in_stay(
    buyer_client: Client, shop: SimpleNamespace
) -> None:
    url = reverse("buyer-quick-order", args=["test-supplier"])

    first = buyer_client.post(url, {"lines": "V1 5\nZZZ 2\nV2 3\nV2 abc\n"}).content.decode()

    assert cart() == [("V1", "piece", 5), ("V2", "piece", 3)]
    assert textarea(first) == "ZZZ 2\nV2 abc"
    assert "2件をカートに入れました。" in first
    assert "下の行はカートに入っていません" in first

    # The person fixes the two bad lines and presses again: nothing is added twice.
    second = buyer_client.post(url, {"lines": "V1 2\nV2 4"})
    assert second.status_code == 302
    assert cart() == [("V1", "piece", 7), ("V2", "piece", 7)]


def test_a_case_only_product_by_code_goes_in_by_the_case(
    buyer_client: Client, shop: SimpleNamespace
) -> None:
    buyer_client.post(reverse("buyer-quick-order", args=["test-supplier"]), {"lines": "D1 2"})

    assert cart() == [("D1", "case", 2)]


def test_a_unit_can_be_typed_after_the_quantity(
    buyer_client: Client, shop: SimpleNamespace
) -> None:
    shop.sake.sold_by_piece = True
    shop.sake.save()

    buyer_client.post(
        reverse("buyer-quick-order", args=["test-supplier"]), {"lines": "D1 2 ケース\nD1 3"}
    )

    assert cart() == [("D1", "case", 2), ("D1", "piece", 3)]


def test_a_huge_quantity_is_a_message_next_to_the_line_not_an_error_page(
    buyer_client: Client, shop: SimpleNamespace
) -> None:
    response = buyer_client.post(
        reverse("buyer-quick-order", args=["test-supplier"]),
        {"lines": "V1 99999999999999999999\nV2 99,999,999"},
    )

    assert response.status_code == 200
    assert not CartLine.objects.exists()
    assert textarea(response.content.decode()) == "V1 99999999999999999999\nV2 99,999,999"
