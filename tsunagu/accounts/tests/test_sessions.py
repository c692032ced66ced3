from __future__ import annotations

import pytest
from django.test import Client

from conftest import client_for
from tsunagu.accounts.models import Membership

pytestmark = pytest.mark.django_db


def test_a_person_sees_and_ends_their_other_sessions(buyer_member: Membership) -> None:
    phone = client_for(buyer_member)
    office_pc: Client = client_for(buyer_member)
    assert phone.get("/account/").status_code == 200

    page = office_pc.get("/accounts/sessions/").content.decode()
    assert page.count("<tr") >= 3  # a header row and two sessions
    response = office_pc.post("/accounts/sessions/", follow=True)

    assert response.status_code == 200
    assert office_pc.get("/account/").status_code == 200
    assert phone.get("/account/").status_code == 302
