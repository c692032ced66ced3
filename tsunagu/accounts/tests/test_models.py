from __future__ import annotations

import pytest
from django.db import IntegrityError

from tsunagu.accounts.models import User
from tsunagu.core.ids import uuid7

pytestmark = pytest.mark.django_db


def test_create_user_lowercases_the_email_and_hashes_the_password() -> None:
    user = User.objects.create_user("Tanaka@Example.COM", "a long password")

    assert user.email == "tanaka@example.com"
    assert user.password != "a long password"
    assert user.check_password("a long password")


def test_email_is_unique_whatever_its_case() -> None:
    User.objects.create_user("sato@example.com", "pw-1234567")

    with pytest.raises(IntegrityError):
        User.objects.create(email="SATO@example.com")


def test_ids_are_time_ordered_uuid7() -> None:
    ids = [uuid7() for _ in range(1000)]

    assert all(value.version == 7 for value in ids)
    assert len(set(ids)) == 1000
    millis = [value.int >> 80 for value in ids]
    assert millis == sorted(millis)
