"""Every write to products, custom fields, price groups and customer prices."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from tsunagu.accounts.models import Membership
from tsunagu.audit import services as audit
from tsunagu.catalog.models import CustomerPrice, PriceGroup, Product, ProductField
from tsunagu.catalog.selectors import product_search_text
from tsunagu.customers.models import Customer


class InUseError(Exception):
    """A record other records depend on (orders, customers) cannot be deleted; says why."""


def _diff(instance: object, data: dict[str, Any]) -> dict[str, list[str]]:
    return {
        name: [str(getattr(instance, name)), str(value)]
        for name, value in data.items()
        if getattr(instance, name) != value
    }


@transaction.atomic
def save_product(
    product: Product | None,
    *,
    actor: Membership,
    data: dict[str, Any],
    visible_to: list[Customer] | None = None,
) -> Product:
    """Create (product None) or change a product of the actor's supplier."""
    creating = product is None
    if product is None:
        product = Product(supplier=actor.organization)
        changes = {name: ["", str(value)] for name, value in data.items()}
    else:
        product = Product.objects.select_for_update(no_key=True).get(pk=product.pk)
        changes = _diff(product, data)
    for name, value in data.items():
        setattr(product, name, value)
    product.search_text = product_search_text(product)
    product.save()
    if visible_to is not None:
        product.visible_to.set(visible_to)
    audit.record(
        "product.created" if creating else "product.updated",
        actor=actor.user,
        organization=actor.organization,
        target=product,
        changes=changes,
    )
    return product


@transaction.atomic
def delete_product(product: Product, *, actor: Membership) -> None:
    """Delete a product nobody has ordered; one with orders must be taken off sale instead."""
    label = str(product)
    try:
        product.delete()
    except ProtectedError:
        raise InUseError(
            _("This product has orders, so it cannot be deleted. Take it off sale instead.")
        ) from None
    audit.record(
        "product.deleted", actor=actor.user, organization=actor.organization, target_label=label
    )


@transaction.atomic
def save_price_group(
    group: PriceGroup | None, *, actor: Membership, name: str, rate: Decimal
) -> PriceGroup:
    creating = group is None
    group = group or PriceGroup(supplier=actor.organization)
    changes = (
        _diff(group, {"name": name, "rate": rate})
        if not creating
        else {"name": ["", name], "rate": ["", str(rate)]}
    )
    group.name, group.rate = name, rate
    group.save()
    audit.record(
        "price_group.created" if creating else "price_group.updated",
        actor=actor.user,
        organization=actor.organization,
        target=group,
        changes=changes,
    )
    return group


@transaction.atomic
def set_customer_price(
    customer: Customer, product: Product, *, actor: Membership, unit_price: Decimal
) -> CustomerPrice:
    """The price this customer pays for this product from now on (tax excluded)."""
    if (
        customer.supplier_id != actor.organization_id
        or product.supplier_id != actor.organization_id
    ):
        raise ValueError("customer, product and actor must belong to one supplier")
    price, created = CustomerPrice.objects.select_for_update(no_key=True).get_or_create(
        supplier=actor.organization,
        customer=customer,
        product=product,
        defaults={"unit_price": unit_price},
    )
    old = None if created else price.unit_price
    if not created and price.unit_price != unit_price:
        price.unit_price = unit_price
        price.save(update_fields=["unit_price", "updated_at"])
    audit.record(
        "customer_price.set",
        actor=actor.user,
        organization=actor.organization,
        target=price,
        target_label=f"{customer.customer_code} / {product.product_code}",
        changes={"unit_price": [str(old or ""), str(unit_price)]},
    )
    return price


@transaction.atomic
def remove_customer_price(price: CustomerPrice, *, actor: Membership) -> None:
    audit.record(
        "customer_price.removed",
        actor=actor.user,
        organization=actor.organization,
        target=price,
        target_label=f"{price.customer.customer_code} / {price.product.product_code}",
        changes={"unit_price": [str(price.unit_price), ""]},
    )
    price.delete()


@transaction.atomic
def save_product_field(
    field: ProductField | None, *, actor: Membership, data: dict[str, Any]
) -> ProductField:
    creating = field is None
    field = field or ProductField(supplier=actor.organization)
    changes = _diff(field, data) if not creating else {k: ["", str(v)] for k, v in data.items()}
    for name, value in data.items():
        setattr(field, name, value)
    field.save()
    audit.record(
        "product_field.created" if creating else "product_field.updated",
        actor=actor.user,
        organization=actor.organization,
        target=field,
        changes=changes,
    )
    return field
