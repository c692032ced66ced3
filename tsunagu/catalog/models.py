from __future__ import annotations

import re
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from tsunagu.accounts.models import Organization
from tsunagu.core.filestore import encrypted_storage
from tsunagu.core.models import BaseModel, SupplierDefinedField


class TaxRate(models.IntegerChoices):
    STANDARD = 10, _("10% (standard)")
    REDUCED = 8, _("8% (reduced, food)")


class Product(BaseModel):
    """An item a supplier sells. Prices are tax-exclusive, per piece unit."""

    class Visibility(models.TextChoices):
        ALL = "all", _("All customers")
        SELECTED = "selected", _("Selected customers only")

    supplier = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="products")
    product_code = models.CharField(_("product code"), max_length=40)
    name = models.CharField(_("product name"), max_length=200)
    name_kana = models.CharField(_("product name (kana)"), max_length=200, blank=True)
    jan_code = models.CharField(_("JAN code"), max_length=13, blank=True)
    category = models.CharField(_("category"), max_length=100, blank=True)
    unit = models.CharField(_("unit"), max_length=20, default="個")
    units_per_case = models.PositiveIntegerField(
        _("units per case"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    sold_by_piece = models.BooleanField(_("ordered by the piece"), default=True)
    sold_by_case = models.BooleanField(_("ordered by the case"), default=False)
    unit_price = models.DecimalField(
        _("unit price (tax excluded)"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal(0))],
    )
    tax_rate = models.PositiveSmallIntegerField(
        _("tax rate"), choices=TaxRate.choices, default=TaxRate.STANDARD
    )
    min_quantity = models.PositiveIntegerField(_("minimum quantity"), default=1)
    order_multiple = models.PositiveIntegerField(
        _("order multiple"), default=1, validators=[MinValueValidator(1)]
    )
    # The most one order line may hold, in pieces; empty: the ordering default (rules.py).
    max_quantity = models.PositiveIntegerField(
        _("maximum quantity per order"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(999_999)],
        help_text=_(
            "The most one order may ask for, in the product's unit. "
            "Empty: the default of the organization settings (9,999 unless set)."
        ),
    )
    stock = models.DecimalField(_("stock"), max_digits=12, decimal_places=2, null=True, blank=True)
    photo = models.ImageField(
        _("photo"), upload_to="products/", blank=True, storage=encrypted_storage
    )
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("on sale"), default=True)
    visibility = models.CharField(
        _("shown to"), max_length=10, choices=Visibility.choices, default=Visibility.ALL
    )
    visible_to = models.ManyToManyField(
        "customers.Customer",
        blank=True,
        related_name="visible_products",
        verbose_name=_("customers who see it"),
    )
    extra = models.JSONField(_("extra fields"), default=dict, blank=True)
    # Code, JAN, name and kana in search form (tsunagu.core.text.search_key), kept by the services.
    search_text = models.TextField(editable=False, default="")

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["product_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["supplier", "product_code"], name="catalog_product_code_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_code} {self.name}"

    @property
    def is_reduced_rate(self) -> bool:
        return self.tax_rate == TaxRate.REDUCED


class ProductField(SupplierDefinedField):
    """An extra product field a supplier defines (産地, 賞味期限…), with its validation."""

    class Kind(models.TextChoices):
        TEXT = "text", _("Text")
        NUMBER = "number", _("Number")
        CHOICE = "choice", _("Choice")
        DATE = "date", _("Date")

    supplier = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="product_fields"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.TEXT)


class PriceGroup(BaseModel):
    """Customers priced at a percentage of the list price (掛け率)."""

    supplier = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="price_groups"
    )
    name = models.CharField(_("price group name"), max_length=100)
    rate = models.DecimalField(
        _("rate (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_("e.g. 85 means 85 percent of the list price."),
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["supplier", "name"], name="catalog_pricegroup_name_unique"
            ),
        ]

    def __str__(self) -> str:
        rate = f"{self.rate.normalize():f}%"
        # A name that already says its rate ("卸価格 (85%)") is not given it twice; "85%" does
        # not say 5%.
        says_rate = re.search(rf"(?<![\d.]){re.escape(rate)}", self.name.replace("％", "%"))
        return self.name if says_rate else f"{self.name} ({rate})"


class CustomerPrice(BaseModel):
    """A price agreed with one customer for one product (得意先別価格), tax excluded."""

    supplier = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="prices"
    )
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="customer_prices")
    unit_price = models.DecimalField(
        _("unit price (tax excluded)"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal(0))],
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["supplier", "customer", "product"], name="catalog_customerprice_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer} / {self.product}: {self.unit_price}"
