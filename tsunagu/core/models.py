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
