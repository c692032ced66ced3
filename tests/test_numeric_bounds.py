"""Every number a person can type in a form has a bound: a huge value is a form error next to
the field, never a 500 and never saved.

The test walks the pages itself: it opens each page, reads every POST form on it, and sends each
form back as the page filled it in, with one numeric field (a number box, or a text box with
`inputmode` numeric or decimal) set to a huge value at a time.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin

import pytest
from django.test import Client
from django.urls import reverse

from conftest import client_for
from tests.test_cross_tenant import BUYER_CASES, CASES, make_cart_line, snapshot
from tsunagu.accounts.models import Membership, Organization
from tsunagu.catalog.tests.factories import ProductFactory

# The last has more digits than Python reads as a whole number (4,300): it must be refused,
# not crash the reading.
HUGE = ["9" * 23, "99999999999", "1e400", "9" * 5000]
NUMERIC_MODES = {"numeric", "decimal"}
# Typed on the number pad but codes, not quantities: bounded by their length and format.
CODES = {"postal_code", "jan_code"}


@dataclass
class Field:
    name: str
    value: str
    id: str = ""
    numeric: bool = False


@dataclass
class Form:
    action: str
    fields: list[Field] = field(default_factory=list)

    def data(self, **override: str) -> dict[str, list[str]]:
        values: dict[str, list[str]] = {}
        for item in self.fields:
            values.setdefault(item.name, []).append(override.get(item.name, item.value))
        return values

    @property
    def numeric(self) -> list[Field]:
        return [item for item in self.fields if item.numeric]


class FormReader(HTMLParser):
    """The POST forms of a page with the values a browser would send unchanged."""

    def __init__(self, page_url: str) -> None:
        super().__init__()
        self.page_url = page_url
        self.forms: list[Form] = []
        self.form: Form | None = None
        self.select: Field | None = None
        self.select_has_selected = False
        self.textarea: Field | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {key: value or "" for key, value in attrs}
        if tag == "form":
            method = a.get("method", "get").lower()
            action = a.get("hx-post") or (a.get("action") if method == "post" else None)
            if method == "post" or a.get("hx-post"):
                self.form = Form(urljoin(self.page_url, action or self.page_url))
                self.forms.append(self.form)
            return
        if self.form is None or not a.get("name") or "disabled" in a:
            if tag == "option" and self.select is not None:
                self._option(a)
            return
        name = a["name"]
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind in {"submit", "button", "image", "reset", "file"}:
                return
            if kind in {"checkbox", "radio"} and "checked" not in a:
                return
            numeric = (kind == "number" or a.get("inputmode", "") in NUMERIC_MODES) and (
                name not in CODES
            )
            value = a.get("value", "on" if kind in {"checkbox", "radio"} else "")
            self.form.fields.append(Field(name, value, a.get("id", ""), numeric))
        elif tag == "select":
            self.select = Field(name, "", a.get("id", ""))
            self.select_has_selected = False
            self.form.fields.append(self.select)
        elif tag == "textarea":
            self.textarea = Field(name, "", a.get("id", ""))
            self.form.fields.append(self.textarea)

    def _option(self, a: dict[str, str]) -> None:
        assert self.select is not None
        if "selected" in a or (not self.select_has_selected and not self.select.value):
            self.select.value = a.get("value", "")
            self.select_has_selected = self.select_has_selected or "selected" in a

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.form = None
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None

    def handle_data(self, data: str) -> None:
        if self.textarea is not None:
            self.textarea.value += data


def marked_invalid(page: str, name: str) -> bool:
    """Whether the page shows the field again with its error (Django marks it aria-invalid)."""
    invalid = re.compile(rf'<(input|select|textarea)\b[^>]*\bname="{re.escape(name)}"[^>]*>')
    return any('aria-invalid="true"' in match.group(0) for match in invalid.finditer(page))


def forms_of(client: Client, url: str) -> list[Form]:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    reader = FormReader("http://testserver" + url)
    reader.feed(response.content.decode())
    return [form for form in reader.forms if form.numeric]


# Pages with forms of the supplier's people: URL name -> the URL's kwargs (or none).
PAGES: dict[str, Callable[[Membership], dict[str, Any]] | None] = {
    "product-new": None,
    "price-groups": None,
    "customer-new": None,
    "calendar-settings": None,
    "export-profile-new": None,
    "organization-settings": None,
    "document-settings": None,
    "payment-list": None,
    "billing": None,
    "supplier-inbox": None,
    "shipping-instructions": None,
    "product-list": None,
    "product-fields": None,
    "order-form-fields": None,
    "customer-list": None,
    "members": None,
    "invitation-new": None,
    **{
        name: CASES[name]
        for name in (
            "product-edit",
            "price-group-edit",
            "customer-edit",
            "location-edit",
            "supplier-order",
            "export-profile-edit",
            "billing-run",
            "import-detail",
            "supplier-document",
        )
    },
}
# Whose forms these are and where their bounds are tested: the buyer's ordering pages (cart,
# quick order, the buyer's order change) in tsunagu/ordering/tests, proxy entry
# (supplier-order-new) with the supplier's order pages.
TAKES_NUMBERS = {
    "product-new",
    "product-edit",
    "price-groups",
    "price-group-edit",
    "customer-new",
    "customer-edit",
    "calendar-settings",
    "export-profile-new",
    "export-profile-edit",
    "payment-list",
    "supplier-order",
    "supplier-document",
    "buyer-catalogue",
    "buyer-cart",
}
# What a person fills in as well, so that the number is not ignored (a quantity without a code).
EXTRA: dict[str, dict[str, list[str]]] = {"supplier-order": {"add_code": ["ADD1"]}}
NOT_HERE = {"supplier-order-new": "proxy entry: bounds with its per-product maximum"}


def test_the_walk_finds_the_numeric_fields_people_type() -> None:
    """So that a broken reader cannot make the test below pass on no fields at all."""
    reader = FormReader("http://testserver/p/")
    reader.feed(
        '<form method="post"><input name="a" inputmode="decimal" value="1">'
        '<input name="b" type="number"><input name="c" value="x">'
        '<select name="d"><option value="1">1</option><option value="2" selected>2</option>'
        "</select></form>"
    )

    (form,) = reader.forms
    assert [item.name for item in form.numeric] == ["a", "b"]
    assert form.data() == {"a": ["1"], "b": [""], "c": ["x"], "d": ["2"]}


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(PAGES))
def test_huge_numbers_in_every_form_are_form_errors(name: str, supplier_admin: Membership) -> None:
    make = PAGES[name]
    url = reverse(name, kwargs=make(supplier_admin) if make else None)
    ProductFactory.create(supplier=supplier_admin.organization, product_code="ADD1")
    client = client_for(supplier_admin)

    assert walk(client, url, name) == []


def saved_rows() -> dict[str, list[dict[str, Any]]]:
    """Every row of the project's tables, without the time each was last written (the cart's
    send saves its lines again, unchanged, before it checks them)."""
    return {
        table: [{k: v for k, v in row.items() if k != "updated_at"} for row in rows]
        for table, rows in snapshot().items()
    }


def walk(client: Client, url: str, name: str) -> list[tuple[str, str, str, int | str]]:
    """Each numeric field of each POST form on the page, sent with each huge value: the ones
    that did not come back as a form error, or that changed a row."""
    failures: list[tuple[str, str, str, int | str]] = []
    fields = [(form, item) for form in forms_of(client, url) for item in form.numeric]
    # A page known to take numbers must show some, or the walk would prove nothing.
    assert fields or name not in TAKES_NUMBERS, f"no numeric field found on {url}"
    for form, item in fields:
        for value in HUGE:
            data = {**form.data(**{item.name: value}), **EXTRA.get(name, {})}
            before = saved_rows()
            response = client.post(form.action, data)
            if saved_rows() != before:
                failures.append((form.action, item.name, value, "saved"))
                continue
            page = response.content.decode()
            # A form of separate inputs (the order change) lists its problems in one alert.
            listed = response.status_code == 400 and 'class="alert alert--error"' in page
            if response.status_code == 302:
                # Forms that send the person back (the catalogue's "add to cart", the cart's
                # send) must show the problem on the page they land on, with nothing saved.
                landed = client.get(response["Location"])
                page = landed.content.decode()
                listed = landed.status_code == 200 and (
                    'class="alert alert--error"' in page or 'class="field__error"' in page
                )
                if listed:
                    continue
            if response.status_code not in {200, 400} or not (
                marked_invalid(page, item.name) or listed
            ):
                failures.append((form.action, item.name, value, response.status_code))
    return failures


# The buyer's pages: their order quantities have a per-product maximum.
BUYER_PAGES: dict[str, Callable[[Membership], dict[str, Any]] | None] = {
    "buyer-home": None,
    "buyer-orders": None,
    **{
        name: BUYER_CASES[name]
        for name in ("buyer-catalogue", "buyer-cart", "buyer-quick-order", "buyer-order-detail")
    },
}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name",
    sorted(BUYER_PAGES),
)
def test_huge_numbers_in_every_buyer_form_are_form_errors(
    name: str, supplier: Organization, buyer_member: Membership
) -> None:
    make = BUYER_PAGES[name]
    url = reverse(name, kwargs=make(buyer_member) if make else None)
    make_cart_line(buyer_member)  # a product in the catalogue and a line in the cart

    assert walk(client_for(buyer_member), url, name) == []
