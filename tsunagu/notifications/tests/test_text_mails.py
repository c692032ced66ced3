"""Plain-text mails carry names as they are written: `S&B食品`, not `S&amp;B食品`."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils.html import escape

from tsunagu.accounts.models import Membership, Organization
from tsunagu.catalog.tests.factories import ProductFactory
from tsunagu.notifications.models import OutboxMessage
from tsunagu.notifications.rendering import render_email
from tsunagu.ordering.rules import LineRequest
from tsunagu.ordering.services import send_order
from tsunagu.ordering.tests.factories import linked_customer

NAME = "S&B食品 <本店> \"特選\" 'まる'"
ENTITIES = ("&amp;", "&lt;", "&gt;", "&quot;", "&#x27;", "&#39;")
NUMBERS = {"amount", "amount_due", "total", "subtotal", "quantity", "unit_price", "version"}
ROOT = Path(__file__).resolve().parents[2]


def mail_templates() -> list[str]:
    """Every mail of the project: `<prefix>.txt` with its `<prefix>_subject.txt`."""
    prefixes = []
    for subject in sorted(ROOT.glob("*/templates/*/email/*_subject.txt")):
        relative = subject.relative_to(subject.parents[2]).as_posix()
        prefixes.append(relative.removesuffix("_subject.txt"))
    return prefixes


class Anything(str):
    """A value every template lookup accepts: each attribute, item and loop gives NAME again
    (a string, so that filters such as `date` give up quietly as they do on bad values)."""

    def __new__(cls) -> Anything:
        return super().__new__(cls, NAME)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        if name.endswith(("_on", "date", "_at")):
            return datetime(2026, 11, 27, 9, 0, tzinfo=ZoneInfo("Asia/Tokyo"))
        if name in NUMBERS:
            return Decimal(1200)
        return Anything()

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            raise KeyError(key)  # the template then looks for an attribute
        return Anything()

    def __iter__(self) -> Any:
        return iter([Anything()])


class Context(dict[str, Any]):
    def __missing__(self, key: str) -> Any:
        return Anything()


def test_the_project_has_mail_templates() -> None:
    assert "ordering/email/new_order" in mail_templates()
    assert len(mail_templates()) >= 9


@pytest.mark.parametrize("prefix", mail_templates())
def test_every_plain_text_mail_keeps_a_name_as_written(prefix: str) -> None:
    names = {
        key: Anything()
        for key in ("order", "customer", "supplier", "document", "invitation", "organization")
    }
    context = Context(names, lines=[Anything()], name=NAME, message=Anything())

    subject, text, html = render_email(prefix, context)

    assert NAME in subject + text
    assert not [entity for entity in ENTITIES if entity in subject + text]
    # The HTML part escapes the name once, never twice.
    assert "&amp;amp;" not in html


@pytest.mark.django_db
def test_the_supplier_mail_of_a_new_order_names_the_customer_as_written(
    supplier: Organization,
    supplier_admin: Membership,
    buyer: Organization,
    buyer_member: Membership,
) -> None:
    customer, location = linked_customer(supplier, buyer, name=NAME)
    product = ProductFactory.create(
        supplier=supplier, name="カレー粉 <業務用>", unit_price=Decimal(500), tax_rate=8
    )

    send_order(
        buyer_member,
        customer,
        location=location,
        lines=[LineRequest(product, 2, note="A&B 'まとめて'")],
        delivery_date=date(2026, 11, 27),
        idempotency_key="mail-1",
        now=datetime(2026, 11, 26, 10, 0, tzinfo=ZoneInfo("Asia/Tokyo")),
    )

    mail = OutboxMessage.objects.get(to=supplier.email or "admin@supplier.test")
    assert NAME in mail.subject
    assert NAME in mail.body_text
    assert "カレー粉 <業務用>" in mail.body_text
    assert not [entity for entity in ENTITIES if entity in mail.subject + mail.body_text]
    assert escape(NAME) in mail.body_html
    assert "&amp;amp;" not in mail.body_html
