"""Forms of the export pages: a profile (name, encoding, dates, columns) and a download."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tsunagu.core import bounds
from tsunagu.integrations.csv import order_export
from tsunagu.integrations.csv.order_export import FIXED, SOURCES, OutputColumn
from tsunagu.ordering.models import ExportProfile

DATE_FORMAT_CHOICES = [
    ("%Y-%m-%d", "2026-11-26"),
    ("%Y/%m/%d", "2026/11/26"),
    ("%Y%m%d", "20261126"),
]
_LAST = 10_000  # where a column without a position goes: after the numbered ones


class ProfileForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Layout name"),
        max_length=60,
        help_text=gettext_lazy("A name your team knows, such as the system the file goes to."),
    )
    encoding = forms.ChoiceField(
        label=gettext_lazy("Character encoding"),
        choices=ExportProfile.Encoding.choices,
        initial=ExportProfile.Encoding.CP932,
        help_text=gettext_lazy("Excel and most Japanese accounting software read Shift_JIS."),
    )
    date_format = forms.ChoiceField(
        label=gettext_lazy("Date format"),
        choices=DATE_FORMAT_CHOICES,
        initial=order_export.DEFAULT_DATE_FORMAT,
    )

    def clean_name(self) -> str:
        return str(self.cleaned_data["name"]).strip()


class SourceColumnForm(forms.Form):
    source = forms.CharField(widget=forms.HiddenInput)
    include = forms.BooleanField(label=gettext_lazy("Include"), required=False)
    position = forms.IntegerField(
        label=gettext_lazy("Position"),
        required=False,
        validators=bounds.COLUMN_POSITION.validators(),
        widget=forms.NumberInput(attrs={"class": "qty-input", "inputmode": "numeric"}),
    )
    header = forms.CharField(label=gettext_lazy("Header"), required=False, max_length=60)

    def clean_source(self) -> str:
        source = str(self.cleaned_data["source"])
        if source not in SOURCES:
            raise forms.ValidationError(_("Unknown column."))
        return source

    @property
    def default_header(self) -> str:
        source = SOURCES.get(str(self["source"].value()))
        return source.header if source else ""


class FixedColumnForm(forms.Form):
    header = forms.CharField(label=gettext_lazy("Header"), required=False, max_length=60)
    value = forms.CharField(label=gettext_lazy("Value"), required=False, max_length=200)
    position = forms.IntegerField(
        label=gettext_lazy("Position"),
        required=False,
        validators=bounds.COLUMN_POSITION.validators(),
        widget=forms.NumberInput(attrs={"class": "qty-input", "inputmode": "numeric"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (data.get("value") or "").strip() and not (data.get("header") or "").strip():
            self.add_error("header", _("Give this column a header."))
        return data


SourceColumnFormSet = forms.formset_factory(SourceColumnForm, extra=0)
FixedColumnFormSet = forms.formset_factory(FixedColumnForm, extra=3)


def column_initials(
    columns: Iterable[OutputColumn],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The rows of the column editor for a layout: every source (those in use first, in their
    order, then the others) and the fixed columns."""
    used: dict[str, dict[str, Any]] = {}
    fixed: list[dict[str, Any]] = []
    for position, column in enumerate(columns, start=1):
        if column.source == FIXED:
            fixed.append({"header": column.header, "value": column.value, "position": position})
        elif column.source not in used:
            used[column.source] = {
                "source": column.source,
                "include": True,
                "position": position,
                "header": column.header,
            }
    unused = [
        {"source": key, "include": False, "position": None, "header": source.header}
        for key, source in SOURCES.items()
        if key not in used
    ]
    return [*used.values(), *unused], fixed


def columns_from_forms(
    sources: forms.BaseFormSet[SourceColumnForm], fixed: forms.BaseFormSet[FixedColumnForm]
) -> list[dict[str, str]]:
    """The chosen columns ({"source", "header", "value"}) by position; ties keep the page's
    order, and columns without a position come last."""
    chosen: list[tuple[int, int, dict[str, str]]] = []
    for index, form in enumerate(sources):
        data = form.cleaned_data
        if not data.get("include"):
            continue
        header = (data.get("header") or "").strip() or SOURCES[data["source"]].header
        chosen.append(
            (data.get("position") or _LAST, index, {"source": data["source"], "header": header})
        )
    for index, fixed_form in enumerate(fixed, start=len(chosen) + 1000):
        data = fixed_form.cleaned_data
        header = (data.get("header") or "").strip()
        if not header:
            continue
        chosen.append(
            (
                data.get("position") or _LAST,
                index,
                {"source": FIXED, "header": header, "value": data.get("value") or ""},
            )
        )
    chosen.sort(key=lambda item: (item[0], item[1]))
    return [column for _position, _index, column in chosen]


class DownloadForm(forms.Form):
    profile = forms.ChoiceField(label=gettext_lazy("Layout"), required=False)
    date_from = forms.DateField(
        label=gettext_lazy("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=gettext_lazy("Order date (受注日)."),
    )
    date_to = forms.DateField(
        label=gettext_lazy("To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    replace = forms.BooleanField(
        label=gettext_lazy("Replace characters that Shift_JIS cannot hold with 〓"),
        required=False,
    )

    def __init__(self, *args: Any, profiles: Iterable[ExportProfile], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["profile"].choices = [  # type: ignore[attr-defined]
            ("", _("Standard (every column)")),
            *((str(profile.pk), profile.name) for profile in profiles),
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The last day comes before the first."))
        return data
