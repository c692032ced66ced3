from __future__ import annotations

from collections.abc import Iterable

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tsunagu.accounts.models import Organization
from tsunagu.calendar import engine
from tsunagu.core.models import BaseModel

MAX_LEAD_DAYS = 30
MAX_HORIZON_DAYS = 366


def weekday_digits(weekdays: Iterable[int | str]) -> str:
    """Weekdays (Monday=0) as the stored string: sorted digits without repeats, e.g. "56"."""
    return "".join(sorted({str(int(day)) for day in weekdays}))


class DeliveryCalendar(BaseModel):
    """A supplier's business days, order cutoff and how far ahead customers may choose a date.

    A supplier without a row uses the defaults in `engine` (the row is made on first save).
    """

    supplier = models.OneToOneField(
        Organization,
        on_delete=models.CASCADE,
        related_name="delivery_calendar",
        verbose_name=_("supplier"),
    )
    closed_weekdays_digits = models.CharField(
        _("closed weekdays"),
        max_length=7,
        blank=True,
        default=weekday_digits(engine.DEFAULT_CLOSED_WEEKDAYS),
        validators=[RegexValidator(r"^[0-6]*$")],
        help_text=_("Weekdays as digits, Monday=0 to Sunday=6."),
    )
    observe_public_holidays = models.BooleanField(
        _("closed on public holidays"),
        default=True,
        help_text=_("Japanese public holidays, including substitute holidays."),
    )
    cutoff_time = models.TimeField(
        _("order cutoff"),
        default=engine.DEFAULT_CUTOFF_TIME,
        help_text=_("Orders that come in after this time count for the next business day."),
    )
    lead_days = models.PositiveSmallIntegerField(
        _("lead days"),
        default=engine.DEFAULT_LEAD_DAYS,
        validators=[MaxValueValidator(MAX_LEAD_DAYS)],
        help_text=_(
            "Business days from the day an order counts for to the earliest delivery. "
            "0 delivers on the same day."
        ),
    )
    horizon_days = models.PositiveSmallIntegerField(
        _("days ahead"),
        default=engine.DEFAULT_HORIZON_DAYS,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_HORIZON_DAYS)],
        help_text=_("How many days ahead customers may choose a delivery date."),
    )

    class Meta:
        verbose_name = _("delivery calendar")
        verbose_name_plural = _("delivery calendars")
        constraints = [
            models.CheckConstraint(
                condition=Q(lead_days__lte=MAX_LEAD_DAYS),
                name="delivery_calendar_lead_days_range",
            ),
            models.CheckConstraint(
                condition=Q(horizon_days__gte=1) & Q(horizon_days__lte=MAX_HORIZON_DAYS),
                name="delivery_calendar_horizon_days_range",
            ),
        ]

    def __str__(self) -> str:
        return str(self.supplier)

    @property
    def closed_weekdays(self) -> frozenset[int]:
        return frozenset(int(digit) for digit in self.closed_weekdays_digits)


class ClosedDate(BaseModel):
    """A day the supplier neither ships nor delivers, besides its closed weekdays and holidays."""

    supplier = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="closed_dates",
        verbose_name=_("supplier"),
    )
    date = models.DateField(_("date"))
    note = models.CharField(_("note"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("closed date")
        verbose_name_plural = _("closed dates")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(
                fields=["supplier", "date"], name="delivery_calendar_closed_date_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {self.note}".strip()
