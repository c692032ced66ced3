from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from tsunagu.core.ids import uuid7


class BaseModel(models.Model):
    """Every Tsunagu table: a time-ordered UUID key and creation/update times."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class SupplierDefinedField(BaseModel):
    """A field or question a supplier adds of its own (a product's 産地, an order's 納品時間帯).

    Subclasses add the supplier and their own `Kind` choices; `key` is unique per supplier."""

    key = models.SlugField(_("key"), max_length=40)
    label = models.CharField(_("label"), max_length=60)
    choices = models.TextField(_("choices"), blank=True, help_text=_("One choice per line."))
    is_required = models.BooleanField(_("required"), default=False)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        abstract = True
        ordering = ["position", "label"]
        constraints = [
            models.UniqueConstraint(
                fields=["supplier", "key"], name="%(app_label)s_%(class)s_key_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def choice_list(self) -> list[str]:
        return [line.strip() for line in self.choices.splitlines() if line.strip()]
