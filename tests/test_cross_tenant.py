"""Every URL that takes an id answers another tenant with 404, and changes nothing.

Tried by every role that sees different pages (administrator, viewer, shipping; a buyer's owner
and viewer), by another customer of the same supplier for a buyer's own rows, with ids in form
bodies and query strings, and for products hidden from the customer.

The test discovers the URL patterns itself: a new page with an id in its path fails here until it
gets a case below (how to make a row of the first supplier for it) or is listed as not
tenant-scoped, with the reason.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from django.apps import apps
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from conftest import client_for
from tsunagu.accounts.models import Invitation, Membership, Organization, Role
from tsunagu.accounts.tests.factories import BuyerFactory, MembershipFactory
from tsunagu.calendar.engine import available_delivery_dates
from tsunagu.calendar.selectors import rules_for
from tsunagu.calendar.tests.factories import ClosedDateFactory
from tsunagu.catalog.models import Product
from tsunagu.catalog.tests.factories import CustomerPriceFactory, PriceGroupFactory, ProductFactory
from tsunagu.customers.models import Customer, Location
from tsunagu.customers.tests.factories import CustomerFactory
from tsunagu.documents.issuing import DocLine, issue
from tsunagu.documents.models import BillingRun, Document, DocumentType, Payment
from tsunagu.documents.services import issue_order_invoice
from tsunagu.integrations.models import ImportJob
from tsunagu.ordering.models import CartLine, ExportProfile, Order, OrderAttachment, OrderStatus
from tsunagu.ordering.rules import LineRequest
from tsunagu.ordering.services import move_order, send_order, store_attachment
from tsunagu.ordering.shipping import assign_shipping
from tsunagu.ordering.tests.factories import linked_customer


# URL name -> a function that makes a row of the first supplier and returns the URL's kwargs.
def make_document(admin: Membership) -> Document:
    return issue_order_invoice(make_accepted_order(admin), actor=admin)


def make_document_for(member: Membership) -> Document:
    customer = _account(member)
    today = timezone.localdate()
    return issue(
        actor=None,
        supplier=customer.supplier,
        customer=customer,
        doc_type=DocumentType.DELIVERY_NOTE,
        issued_on=today,
        lines=[
            DocLine(
                delivered_on=today,
                order_number="S-000001",
                product_code="P1",
                product_name="キャベツ",
                quantity=1,
                unit_label="玉",
                unit_price=Decimal("198"),
                amount=Decimal("198"),
                tax_rate=8,
            )
        ],
    )


CASES: dict[str, Callable[[Membership], dict[str, Any]]] = {
    "member-detail": lambda admin: {
        "membership_id": MembershipFactory.create(organization=admin.organization).pk
    },
    "member-remove": lambda admin: {
        "membership_id": MembershipFactory.create(organization=admin.organization).pk
    },
    "invitation-detail": lambda admin: {"invitation_id": make_invitation(admin).pk},
    "invitation-revoke": lambda admin: {"invitation_id": make_invitation(admin).pk},
    "product-edit": lambda admin: {
        "product_id": ProductFactory.create(supplier=admin.organization).pk
    },
    "product-photo": lambda admin: {"product_id": make_product_with_photo(admin).pk},
    "product-delete": lambda admin: {
        "product_id": ProductFactory.create(supplier=admin.organization).pk
    },
    "price-group-edit": lambda admin: {
        "price_group_id": PriceGroupFactory.create(supplier=admin.organization).pk
    },
    "customer-price-delete": lambda admin: {
        "price_id": CustomerPriceFactory.create(supplier=admin.organization).pk
    },
    "customer-edit": lambda admin: {
        "customer_id": CustomerFactory.create(supplier=admin.organization).pk
    },
    "customer-delete": lambda admin: {
        "customer_id": CustomerFactory.create(supplier=admin.organization).pk
    },
    "customer-invite": lambda admin: {
        "customer_id": CustomerFactory.create(supplier=admin.organization).pk
    },
    "location-new": lambda admin: {
        "customer_id": CustomerFactory.create(supplier=admin.organization).pk
    },
    "location-edit": lambda admin: {"location_id": make_location(admin).pk},
    "location-delete": lambda admin: {"location_id": make_location(admin).pk},
    "customer-price-set": lambda admin: {
        "customer_id": CustomerFactory.create(supplier=admin.organization).pk
    },
    "closed-date-delete": lambda admin: {
        "closed_date_id": ClosedDateFactory.create(supplier=admin.organization).pk
    },
    "import-detail": lambda admin: {"job_id": make_import_job(admin).pk},
    "shipping-assign": lambda admin: {"order_id": make_accepted_order(admin).pk},
    "supplier-order": lambda admin: {"order_id": make_accepted_order(admin).pk},
    "supplier-order-move": lambda admin: {"order_id": make_accepted_order(admin).pk},
    "supplier-order-change": lambda admin: {"order_id": make_accepted_order(admin).pk},
    "supplier-order-message": lambda admin: {"order_id": make_accepted_order(admin).pk},
    **{
        name: (lambda admin: {"document_id": make_document(admin).pk})
        for name in (
            "supplier-document",
            "supplier-document-pdf",
            "supplier-document-mail",
            "supplier-document-sent",
            "supplier-document-paid",
            "supplier-document-void",
            "supplier-document-credit-note",
        )
    },
    "supplier-order-documents": lambda admin: {"order_id": make_accepted_order(admin).pk},
    "billing-run": lambda admin: {
        "run_id": BillingRun.objects.create(
            supplier=admin.organization, closing_date=date(2026, 11, 20), started_by=admin.user
        ).pk
    },
    "supplier-attachment": lambda admin: {"attachment_id": make_attachment(admin).pk},
    "payment-cancel": lambda admin: {
        "payment_id": Payment.objects.create(
            supplier=admin.organization,
            customer=CustomerFactory.create(supplier=admin.organization),
            received_on=date(2026, 11, 20),
            amount=Decimal(1000),
        ).pk
    },
    "export-profile-edit": lambda admin: {"profile_id": make_export_profile(admin).pk},
    "export-profile-delete": lambda admin: {"profile_id": make_export_profile(admin).pk},
    "shipping-done": lambda admin: {
        "instruction_id": assign_shipping(
            make_accepted_order(admin), actor=admin, assignee=admin.user, warehouse=""
        )[0].pk
    },
    "import-confirm": lambda admin: {"job_id": make_import_job(admin).pk},
    "mfa_edit_webauthn": lambda admin: {"pk": make_security_key(admin).pk},
    "mfa_remove_webauthn": lambda admin: {"pk": make_security_key(admin).pk},
}

# Buyer-side URLs: a row of the buyer `buyer` (a customer of `supplier`), tried by another buyer.
BUYER_CASES: dict[str, Callable[[Membership], dict[str, Any]]] = {
    "buyer-document": lambda member: {"document_id": make_document_for(member).pk},
    "buyer-document-pdf": lambda member: {"document_id": make_document_for(member).pk},
    "buyer-catalogue": lambda member: {"supplier_code": _account(member).supplier.code},
    "buyer-cart": lambda member: {"supplier_code": _account(member).supplier.code},
    "buyer-cart-add": lambda member: {"supplier_code": _account(member).supplier.code},
    "buyer-usual-items": lambda member: {"supplier_code": _account(member).supplier.code},
    "buyer-quick-order": lambda member: {"supplier_code": _account(member).supplier.code},
    "buyer-send": lambda member: {"supplier_code": _account(member).supplier.code},
    "buyer-cart-update": lambda member: {"supplier_code": _account(member).supplier.code},
    "buyer-product-photo": lambda member: {
        "supplier_code": "test-supplier",
        "product_id": make_product_with_photo_for(member).pk,
    },
    "buyer-cart-line": lambda member: {"line_id": make_cart_line(member).pk},
    "buyer-favourite": lambda member: {"product_id": make_product_for(member).pk},
    "buyer-reorder": lambda member: {"order_id": make_order(member).pk},
    "buyer-order-change": lambda member: {"order_id": make_order(member).pk},
    "buyer-order-detail": lambda member: {"order_id": make_order(member).pk},
    "buyer-order-message": lambda member: {"order_id": make_order(member).pk},
    "buyer-order-cancel": lambda member: {"order_id": make_order(member).pk},
    "buyer-order-approve": lambda member: {"order_id": make_order(member).pk},
    "buyer-order-send-back": lambda member: {"order_id": make_order(member).pk},
}

# Id-taking URLs that are not tenant data, and why.
NOT_TENANT_SCOPED = {
    "invitation-accept": "public by design: the secret token is the permission",
    "account_confirm_email": "allauth: a signed e-mail confirmation key",
    "account_reset_password_from_key": "allauth: a signed password-reset key",
    "usersessions_list": "allauth: the person's own sessions only",
    "set_language": "no id",
    "import-new": "no id: the kind of list (products, customers)",
    "customer-join": "public by design: the secret token is the permission",
}


def make_security_key(admin: Membership) -> Authenticator:
    """A passkey of the person (allauth's WebAuthn authenticator), as registering one stores it."""
    return Authenticator.objects.create(
        user=admin.user,
        type=Authenticator.Type.WEBAUTHN,
        data={
            "name": "会社のパスキー",
            "credential": {"id": uuid.uuid4().hex},
            "passwordless": True,
        },
    )


def make_invitation(admin: Membership) -> Invitation:
    return Invitation.objects.create(
        organization=admin.organization,
        kind=Invitation.Kind.LINK,
        role=Role.MEMBER,
        token_hash=f"{admin.pk.hex}{timezone.now().timestamp()}"[:64],
        created_by=admin.user,
        expires_at=timezone.now() + timedelta(days=7),
    )


def make_product_with_photo(admin: Membership) -> Product:
    product = ProductFactory.create(supplier=admin.organization)
    product.photo.save("p.png", ContentFile(png_bytes()), save=True)
    return product


def png_bytes() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def make_location(admin: Membership) -> Location:
    customer = CustomerFactory.create(supplier=admin.organization)
    Location.objects.create(
        supplier=admin.organization, customer=customer, name="本店", is_default=True
    )
    return Location.objects.create(supplier=admin.organization, customer=customer, name="支店")


def _account(member: Membership) -> Customer:
    customer = Customer.objects.filter(buyer=member.organization).first()
    if customer is None:
        customer, _location = linked_customer(
            Organization.objects.get(code="test-supplier"), member.organization
        )
    return customer


def make_product_for(member: Membership) -> Product:
    return ProductFactory.create(supplier=_account(member).supplier)


def make_product_with_photo_for(member: Membership) -> Product:
    product = make_product_for(member)
    product.photo.save("p.png", ContentFile(png_bytes()), save=True)
    return product


def make_cart_line(member: Membership) -> CartLine:
    customer = _account(member)
    return CartLine.objects.create(
        supplier=customer.supplier,
        buyer=member.organization,
        user=member.user,
        customer=customer,
        product=make_product_for(member),
        quantity=1,
    )


def make_order(member: Membership) -> Order:
    customer = _account(member)
    product = make_product_for(member)
    rules = rules_for(customer.supplier)
    now = timezone.now()
    day = available_delivery_dates(rules, now=now, customer_weekdays=None)[0]
    return send_order(
        member,
        customer,
        location=customer.locations.get(),
        lines=[LineRequest(product, 1)],
        delivery_date=day,
        idempotency_key=uuid.uuid4().hex,
        now=now,
    ).order


def make_accepted_order(admin: Membership) -> Order:
    buyer = MembershipFactory.create(organization=BuyerFactory.create(), role=Role.MEMBER)
    return move_order(make_order(buyer), to_status=OrderStatus.ACCEPTED, actor=admin)


def make_attachment(admin: Membership) -> OrderAttachment:
    return store_attachment(actor=admin, name="fax.pdf", data=b"%PDF-1.4 fax")


def make_export_profile(admin: Membership) -> ExportProfile:
    return ExportProfile.objects.create(
        supplier=admin.organization,
        name=f"p-{uuid.uuid4().hex[:6]}",
        columns=[{"source": "order_number", "header": "受注番号"}],
    )


def make_import_job(admin: Membership) -> ImportJob:
    return ImportJob.objects.create(
        supplier=admin.organization,
        created_by=admin.user,
        kind="products",
        filename="p.csv",
        content=b"product_code\n",
        status=ImportJob.Status.CHECKED,
    )


def id_taking_patterns() -> set[str]:
    names: set[str] = set()

    def walk(patterns: list[Any], namespace: str = "", has_id: bool = False) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace == "admin":
                    continue  # platform operators only; audited separately
                # An id in an include()'s prefix (allauth's keys/<int:pk>/…) counts too.
                walk(
                    pattern.url_patterns,
                    pattern.namespace or namespace,
                    has_id or bool(pattern.pattern.converters),
                )
            elif (
                isinstance(pattern, URLPattern)
                and (pattern.pattern.converters or has_id)
                and pattern.name
            ):
                names.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)

    walk(get_resolver().url_patterns)
    return names


def snapshot() -> dict[str, list[dict[str, Any]]]:
    return {
        model._meta.label: list(model._default_manager.order_by("pk").values())
        for model in apps.get_models()
        if model.__module__.startswith("tsunagu.")
    }


def test_every_id_taking_url_has_a_cross_tenant_case() -> None:
    uncovered = id_taking_patterns() - set(CASES) - set(BUYER_CASES) - set(NOT_TENANT_SCOPED)

    assert uncovered == set(), "add a case to tests/test_cross_tenant.py"


# Every role of the other tenant tries: the administrator, and the roles whose pages differ.
INTRUDER_ROLES = [Role.ADMIN, Role.VIEWER, Role.SHIPPING]


@pytest.mark.django_db
@pytest.mark.parametrize("role", INTRUDER_ROLES)
@pytest.mark.parametrize("name", sorted(CASES))
def test_another_tenant_gets_404_and_nothing_changes(
    name: str, role: str, supplier_admin: Membership, other_supplier: Organization
) -> None:
    url = reverse(name, kwargs=CASES[name](supplier_admin))
    intruder: Client = client_for(MembershipFactory.create(organization=other_supplier, role=role))
    before = snapshot()

    statuses = {intruder.get(url).status_code, intruder.post(url).status_code}

    # 405 (a method the page does not take) says nothing about the row, and neither does a 403
    # that the role gets on every such page; the row itself is never found.
    assert statuses & {403, 404}
    assert statuses <= {403, 404, 405}
    assert snapshot() == before


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(CASES))
def test_the_owner_tenant_reaches_the_same_url(name: str, supplier_admin: Membership) -> None:
    """So that the 404 above is about the tenant, not a broken URL."""
    owner = client_for(supplier_admin)  # before a passkey exists, which would ask for it
    url = reverse(name, kwargs=CASES[name](supplier_admin))

    response = owner.get(url)

    assert response.status_code in {200, 405}
    assert Organization.objects.filter(pk=supplier_admin.organization_id).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.OWNER, Role.VIEWER])
@pytest.mark.parametrize("name", sorted(BUYER_CASES))
def test_another_buyer_gets_404_and_nothing_changes(
    name: str, role: str, supplier: Organization, buyer_member: Membership
) -> None:
    url = reverse(name, kwargs=BUYER_CASES[name](buyer_member))
    other_buyer = BuyerFactory.create(code="other-buyer")
    intruder = client_for(MembershipFactory.create(organization=other_buyer, role=role))
    before = snapshot()

    statuses = {intruder.get(url).status_code, intruder.post(url).status_code}

    assert statuses & {403, 404}
    assert statuses <= {403, 404, 405}
    assert snapshot() == before


# The rows of one buyer (its cart, orders, documents), not the supplier's shared catalogue.
BUYER_ROW_CASES = sorted(
    name
    for name in BUYER_CASES
    if name.startswith(("buyer-order-", "buyer-document", "buyer-cart-line", "buyer-reorder"))
)


@pytest.mark.django_db
@pytest.mark.parametrize("name", BUYER_ROW_CASES)
def test_another_customer_of_the_same_supplier_gets_404(
    name: str, supplier: Organization, buyer_member: Membership
) -> None:
    url = reverse(name, kwargs=BUYER_CASES[name](buyer_member))
    neighbour = BuyerFactory.create(code="neighbour")
    linked_customer(supplier, neighbour)
    intruder = client_for(MembershipFactory.create(organization=neighbour, role=Role.OWNER))
    before = snapshot()

    statuses = {intruder.get(url).status_code, intruder.post(url).status_code}

    assert 404 in statuses
    assert statuses <= {404, 405}
    assert snapshot() == before


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(BUYER_CASES))
def test_the_buyer_reaches_the_same_url(
    name: str, supplier: Organization, buyer_member: Membership
) -> None:
    url = reverse(name, kwargs=BUYER_CASES[name](buyer_member))

    response = client_for(buyer_member).get(url)

    if response.status_code == 302:  # a reload of a refused send goes back to the cart
        assert response.headers["Location"].startswith("/buyer/s/"), name
        return
    assert response.status_code in {200, 405}


# ---- ids in form bodies and query strings -----------------------------------------------------
# The intruder (an administrator of another supplier) uses a page of its own organization, with an
# id of the first supplier in the form or the query: nothing of that row may change or show.


@dataclass
class Attempt:
    method: str
    url: str
    data: dict[str, Any]
    secret: str  # a text of the first supplier's row that must not appear in the answer


def _bulk_move(admin: Membership, intruder: Membership) -> Attempt:
    order = make_accepted_order(admin)
    return Attempt(
        "post",
        reverse("supplier-orders-bulk"),
        {"order": [str(order.pk)], "to_status": OrderStatus.SHIPPED},
        order.number,
    )


def _download_with_profile(admin: Membership, intruder: Membership) -> Attempt:
    profile = ExportProfile.objects.create(
        supplier=admin.organization,
        name="よその弥生用",
        columns=[{"source": "order_number", "header": "秘密の見出し"}],
    )
    return Attempt("get", reverse("export-download"), {"profile": str(profile.pk)}, "秘密の見出し")


def _product_shown_to_their_customer(admin: Membership, intruder: Membership) -> Attempt:
    customer = CustomerFactory.create(supplier=admin.organization, name="よその得意先")
    data = {
        "product_code": "X1",
        "name": "商品",
        "unit": "個",
        "unit_price": "100",
        "tax_rate": "10",
        "min_quantity": "1",
        "order_multiple": "1",
        "sold_by_piece": "on",
        "is_active": "on",
        "visibility": Product.Visibility.SELECTED,
        "visible_to": [str(customer.pk)],
    }
    return Attempt("post", reverse("product-new"), data, "よその得意先")


def _customer_in_their_price_group(admin: Membership, intruder: Membership) -> Attempt:
    group = PriceGroupFactory.create(supplier=admin.organization, name="よその掛け率")
    data = {
        "customer_code": "X1",
        "name": "得意先",
        "closing_day": "31",
        "payment_month_offset": "1",
        "payment_day": "31",
        "delivery_weekdays": ["0"],
        "status": "active",
        "price_group": str(group.pk),
    }
    return Attempt("post", reverse("customer-new"), data, "よその掛け率")


def _switch_to_their_organization(admin: Membership, intruder: Membership) -> Attempt:
    return Attempt(
        "post",
        reverse("organization-switch"),
        {"organization": str(admin.organization_id)},
        admin.organization.name,
    )


def _accepted_order_of(admin: Membership) -> Order:
    """An accepted order of the administrator's own supplier (whichever supplier it is)."""
    buyer = MembershipFactory.create(organization=BuyerFactory.create(), role=Role.MEMBER)
    customer, location = linked_customer(admin.organization, buyer.organization)
    now = timezone.now()
    day = available_delivery_dates(rules_for(admin.organization), now=now, customer_weekdays=None)[
        0
    ]
    order = send_order(
        buyer,
        customer,
        location=location,
        lines=[LineRequest(ProductFactory.create(supplier=admin.organization), 1)],
        delivery_date=day,
        idempotency_key=uuid.uuid4().hex,
        now=now,
    ).order
    return move_order(order, to_status=OrderStatus.ACCEPTED, actor=admin)


def _assign_their_person(admin: Membership, intruder: Membership) -> Attempt:
    order = _accepted_order_of(intruder)
    return Attempt(
        "post",
        reverse("shipping-assign", args=[order.pk]),
        {"assignee": str(admin.user_id)},
        admin.user.email,
    )


def _ship_their_lines(admin: Membership, intruder: Membership) -> Attempt:
    order = _accepted_order_of(intruder)
    theirs = make_accepted_order(admin)
    return Attempt(
        "post",
        reverse("shipping-assign", args=[order.pk]),
        {"line": [str(line.pk) for line in theirs.lines.all()]},
        theirs.number,
    )


def _proxy_entry_with_their_attachment(admin: Membership, intruder: Membership) -> Attempt:
    attachment = make_attachment(admin)
    return Attempt(
        "post", reverse("supplier-order-new"), {"attachment": [str(attachment.pk)]}, "fax.pdf"
    )


BODY_CASES: dict[str, Callable[[Membership, Membership], Attempt]] = {
    "bulk move of their orders": _bulk_move,
    "download with their export profile": _download_with_profile,
    "a product shown to their customer": _product_shown_to_their_customer,
    "a customer in their price group": _customer_in_their_price_group,
    "switch to their organization": _switch_to_their_organization,
    "assign shipping to their person": _assign_their_person,
    "ship their order's lines": _ship_their_lines,
    "proxy entry with their attachment": _proxy_entry_with_their_attachment,
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", sorted(BODY_CASES))
def test_ids_of_another_tenant_in_a_form_or_query_change_and_show_nothing(
    case: str, supplier_admin: Membership, outsider: Membership
) -> None:
    attempt = BODY_CASES[case](supplier_admin, outsider)
    intruder = client_for(outsider)
    before = snapshot()

    response = getattr(intruder, attempt.method)(attempt.url, attempt.data)

    assert response.status_code in {200, 302, 400, 404}
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert attempt.secret not in body.decode("utf-8", errors="replace")
    assert snapshot() == before


# ---- products hidden from a customer ----------------------------------------------------------


def make_hidden_product(member: Membership) -> Product:
    """A product of the buyer's supplier shown only to another customer."""
    customer = _account(member)
    product = ProductFactory.create(
        supplier=customer.supplier,
        name="ないしょの特選品",
        product_code="HIDDEN1",
        visibility=Product.Visibility.SELECTED,
    )
    product.visible_to.set([CustomerFactory.create(supplier=customer.supplier)])
    product.photo.save("p.png", ContentFile(png_bytes()), save=True)
    return product


HIDDEN_CASES: dict[str, Callable[[Membership, Product], tuple[str, str, dict[str, Any]]]] = {
    "photo": lambda member, product: (
        "get",
        reverse("buyer-product-photo", args=[product.supplier.code, product.pk]),
        {},
    ),
    "cart add": lambda member, product: (
        "post",
        reverse("buyer-cart-add", args=[product.supplier.code]),
        {"product": str(product.pk), "quantity": "1"},
    ),
    "quick order": lambda member, product: (
        "post",
        reverse("buyer-quick-order", args=[product.supplier.code]),
        {"lines": "HIDDEN1 2"},
    ),
    "catalogue search": lambda member, product: (
        "get",
        reverse("buyer-catalogue", args=[product.supplier.code]),
        {"q": "ないしょ"},
    ),
    "favourite": lambda member, product: (
        "post",
        reverse("buyer-favourite", args=[product.pk]),
        {},
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", sorted(HIDDEN_CASES))
def test_a_product_hidden_from_the_customer_is_not_found_and_not_named(
    case: str, supplier: Organization, buyer_member: Membership
) -> None:
    product = make_hidden_product(buyer_member)
    method, url, data = HIDDEN_CASES[case](buyer_member, product)
    client = client_for(buyer_member)
    before = snapshot()

    response = getattr(client, method)(url, data, follow=method == "post")

    assert response.status_code in {200, 400, 404}
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert product.name.encode() not in body
    if case == "photo":
        assert response.status_code == 404
    assert snapshot() == before
