"""The approval threshold a buyer sets is an amount of money: the same bound as every other."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from conftest import client_for
from tsunagu.accounts.models import Organization, Role
from tsunagu.accounts.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("typed", "saved"),
    [("9,999,999,999", Decimal(9_999_999_999)), ("10,000,000,000", None), ("99999999999", None)],
)
def test_an_approval_threshold_above_the_largest_amount_is_refused_next_to_the_field(
    buyer: Organization, typed: str, saved: Decimal | None
) -> None:
    owner = client_for(MembershipFactory.create(organization=buyer, role=Role.OWNER))

    response = owner.post(
        reverse("organization-settings"), {"name": buyer.name, "approval_threshold": typed}
    )

    buyer.refresh_from_db()
    assert buyer.approval_threshold == saved
    if saved is None:
        assert response.status_code == 200
        page = response.content.decode()
        assert "0 から 9,999,999,999 までの数を入れてください。" in page
        assert f'value="{typed}"' in page
    else:
        assert response.status_code == 302
