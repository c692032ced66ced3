from __future__ import annotations

from django.db.models import QuerySet

from tsunagu.accounts.models import Organization
from tsunagu.catalog.models import Product
from tsunagu.core.text import search_key


def products_of(
    supplier: Organization, *, query: str = "", active_only: bool = False
) -> QuerySet[Product]:
    """The supplier's products, found by code, JAN, name or kana typed in any width or kana form."""
    products = Product.objects.filter(supplier=supplier)
    if active_only:
        products = products.filter(is_active=True)
    for word in query.split():
        products = products.filter(search_text__contains=search_key(word))
    return products.order_by("product_code")


def product_search_text(product: Product) -> str:
    parts = [product.product_code, product.jan_code, product.name, product.name_kana]
    return " ".join(search_key(part) for part in parts if part)
