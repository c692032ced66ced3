"""Money is Decimal. Yen amounts are whole yen; unit prices may have decimals (DESIGN.md §4)."""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

YEN = Decimal("1")
SEN = Decimal("0.01")


class Rounding(models.TextChoices):
    DOWN = "down", _("Round down (切り捨て)")
    HALF_UP = "half_up", _("Round half up (四捨五入)")
    UP = "up", _("Round up (切り上げ)")


_MODES = {Rounding.DOWN: ROUND_FLOOR, Rounding.HALF_UP: ROUND_HALF_UP, Rounding.UP: ROUND_CEILING}


def round_money(value: Decimal, mode: str, quantum: Decimal = YEN) -> Decimal:
    """Round to whole yen (or to `quantum`) by the supplier's rule. Negative amounts (credit
    notes) round toward the same side as positive ones do in magnitude."""
    rounding = _MODES[Rounding(mode)]
    if value < 0:
        return -round_money(-value, mode, quantum)
    return value.quantize(quantum, rounding=rounding)
