from __future__ import annotations

import os
import time
from datetime import timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import transaction

from tsunagu.accounts.models import Organization
from tsunagu.customers.models import Customer
from tsunagu.documents.models import Document
from tsunagu.documents.storage import orphan_pdfs
from tsunagu.documents.tests.factories import issued

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def own_file_store(settings: Any, tmp_path: Path) -> None:
    """A file store of this test's own: the sweep looks at every stored PDF."""
    settings.MEDIA_ROOT = tmp_path


class CallerFailedError(Exception):
    pass


def _age(name: str, hours: int) -> None:
    path = Path(django_settings.MEDIA_ROOT) / name
    then = time.time() - hours * 3600
    os.utime(path, (then, then))


def _rolled_back_issue(supplier: Organization, customer: Customer) -> str:
    """Issue inside a caller's transaction that then fails: the row goes, the file stays."""
    before = set(orphan_pdfs(older_than=timedelta(0)))

    def issue_then_fail() -> None:
        with transaction.atomic():
            issued(supplier, customer)
            raise CallerFailedError

    with pytest.raises(CallerFailedError):
        issue_then_fail()
    (left,) = set(orphan_pdfs(older_than=timedelta(0))) - before
    return left


def test_a_pdf_left_by_a_rolled_back_issue_is_swept_once_it_is_old_enough(
    supplier: Organization, customer: Customer
) -> None:
    kept = issued(supplier, customer)
    left = _rolled_back_issue(supplier, customer)
    assert default_storage.exists(left)
    out = StringIO()

    call_command("sweep_document_files", stdout=out)
    assert default_storage.exists(left), "a fresh file may belong to a transaction in progress"
    assert "0 件削除" in out.getvalue()

    _age(left, 25)
    _age(kept.pdf_storage_name, 25)
    call_command("sweep_document_files", "--dry-run", stdout=out)
    assert left in out.getvalue()
    assert default_storage.exists(left)

    call_command("sweep_document_files", stdout=out)
    assert not default_storage.exists(left)
    assert default_storage.exists(kept.pdf_storage_name)
    assert Document.objects.get(pk=kept.pk).pdf_sha256 == kept.pdf_sha256
