from __future__ import annotations

import unicodedata
from datetime import time
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tsunagu.calendar.models import MAX_HORIZON_DAYS, MAX_LEAD_DAYS, DeliveryCalendar
from tsunagu.calendar.services import MAX_CLOSED_PERIOD_DAYS

WEEKDAY_CHOICES = [
    ("0", _("Monday")),
    ("1", _("Tuesday")),
    ("2", _("Wednesday")),
    ("3", _("Thursday")),
    ("4", _("Friday")),
    ("5", _("Saturday")),
    ("6", _("Sunday")),
]


class CheckboxList(forms.CheckboxSelectMultiple):
    """Checkboxes with the design system's large tap targets."""

    template_name = "calendar/widgets/checkbox_list.html"
    option_template_name = "calendar/widgets/checkbox_option.html"


class CutoffTimeField(forms.TimeField):
    """A time as people type it: 15:00, １５：００, 1500, 15 or 15時."""

    input_formats = ["%H:%M", "%H%M", "%H"]

    def to_python(self, value: Any) -> time | None:
        if isinstance(value, str):
            value = unicodedata.normalize("NFKC", value).strip()
            value = value.replace("時", ":").replace("分", "").replace(" ", "").rstrip(":")
        return super().to_python(value)


class CalendarForm(forms.Form):
    closed_weekdays = forms.MultipleChoiceField(
        label=_("Closed weekdays"),
        choices=WEEKDAY_CHOICES,
        required=False,
        widget=CheckboxList,
        help_text=_("Days of the week on which you neither ship nor deliver."),
    )
    observe_public_holidays = forms.BooleanField(
        label=_("Closed on public holidays"),
        required=False,
        help_text=_("Japanese public holidays, including substitute holidays."),
    )
    cutoff_time = CutoffTimeField(
        label=_("Order cutoff"),
        widget=forms.TimeInput(format="%H:%M", attrs={"placeholder": "15:00"}),
        error_messages={"invalid": _("Enter a time such as 15:00.")},
        help_text=_("Orders that come in after this time count for the next business day."),
    )
    lead_days = forms.IntegerField(
        label=_("Lead days"),
        min_value=0,
        max_value=MAX_LEAD_DAYS,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        help_text=_(
            "Business days from the day an order counts for to the earliest delivery. "
            "0 delivers on the same day."
        ),
    )
    horizon_days = forms.IntegerField(
        label=_("Days ahead"),
        min_value=1,
        max_value=MAX_HORIZON_DAYS,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        help_text=_("How many days ahead customers may choose a delivery date."),
    )

    @classmethod
    def initial_for(cls, calendar: DeliveryCalendar) -> dict[str, Any]:
        return {
            "closed_weekdays": [str(day) for day in sorted(calendar.closed_weekdays)],
            "observe_public_holidays": calendar.observe_public_holidays,
            "cutoff_time": calendar.cutoff_time,
            "lead_days": calendar.lead_days,
            "horizon_days": calendar.horizon_days,
        }

    def clean_closed_weekdays(self) -> frozenset[int]:
        weekdays = frozenset(int(day) for day in self.cleaned_data["closed_weekdays"])
        if len(weekdays) == len(WEEKDAY_CHOICES):
            raise forms.ValidationError(_("Leave at least one weekday open."))
        return weekdays

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        lead_days, horizon_days = cleaned.get("lead_days"), cleaned.get("horizon_days")
        if lead_days is not None and horizon_days is not None and horizon_days <= lead_days:
            self.add_error(
                "horizon_days",
                _("Make this larger than the lead days, or customers cannot choose any date."),
            )
        return cleaned


class ClosedPeriodForm(forms.Form):
    start = forms.DateField(
        label=_("First day"),
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )
    end = forms.DateField(
        label=_("Last day"),
        required=False,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        help_text=_("Leave it empty to close a single day."),
    )
    note = forms.CharField(
        label=_("Note"),
        max_length=100,
        required=False,
        help_text=_("For example: New Year holidays."),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("start"), cleaned.get("end")
        if start is None:
            return cleaned
        if end is None:
            if "end" not in self.errors:
                cleaned["end"] = start
            return cleaned
        if end < start:
            self.add_error("end", _("The last day is before the first day."))
        elif (end - start).days + 1 > MAX_CLOSED_PERIOD_DAYS:
            self.add_error(
                "end",
                _("A closed period can be at most %(days)d days long.")
                % {"days": MAX_CLOSED_PERIOD_DAYS},
            )
        return cleaned
