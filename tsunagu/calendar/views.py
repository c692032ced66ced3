from __future__ import annotations

from datetime import date
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from tsunagu.accounts.access import require_recent_login
from tsunagu.accounts.models import Membership
from tsunagu.calendar import selectors, services
from tsunagu.calendar.access import get_closed_date_for_admin, require_supplier_admin
from tsunagu.calendar.engine import available_delivery_dates, cutoff_for, local_now
from tsunagu.calendar.forms import CalendarForm, ClosedPeriodForm

# How many of the offered dates the preview lists.
PREVIEW_DATES = 10


def _day(day: date) -> str:
    return date_format(day, "Y/m/d (D)")


def _settings_page(
    request: HttpRequest,
    admin: Membership,
    *,
    calendar_form: CalendarForm | None = None,
    closed_form: ClosedPeriodForm | None = None,
) -> HttpResponse:
    supplier = admin.organization
    if calendar_form is None:
        calendar_form = CalendarForm(
            initial=CalendarForm.initial_for(selectors.calendar_of(supplier))
        )
    now = timezone.now()
    rules = selectors.rules_for(supplier)
    preview = [
        {"date": day, "cutoff": cutoff_for(rules, day)}
        for day in available_delivery_dates(rules, now=now)[:PREVIEW_DATES]
    ]
    return render(
        request,
        "calendar/settings.html",
        {
            "calendar_form": calendar_form,
            "closed_form": closed_form or ClosedPeriodForm(),
            "closed_dates": selectors.upcoming_closed_dates(supplier, today=local_now(now).date()),
            "preview": preview,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def calendar_settings(request: HttpRequest) -> HttpResponse:
    """`/supplier/calendar/`: business days, cutoff and lead days, closed days, and a preview."""
    admin = require_supplier_admin(request)
    require_recent_login(request)
    if request.method != "POST":
        return _settings_page(request, admin)
    form = CalendarForm(request.POST)
    if form.is_valid():
        services.update_calendar(admin.organization, actor=admin, data=form.cleaned_data)
        messages.success(request, _("The delivery calendar was saved."))
        return redirect("calendar-settings")
    return _settings_page(request, admin, calendar_form=form)


@login_required
@require_POST
def closed_dates_add(request: HttpRequest) -> HttpResponse:
    admin = require_supplier_admin(request)
    require_recent_login(request)
    form = ClosedPeriodForm(request.POST)
    if form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        try:
            added = services.add_closed_dates(
                admin.organization,
                actor=admin,
                start=start,
                end=end,
                note=form.cleaned_data["note"],
            )
        except services.CalendarRuleError as error:
            form.add_error(None, str(error))
        else:
            if not added:
                messages.info(request, _("Those days were already closed. Nothing changed."))
            elif start == end:
                messages.success(
                    request, _("%(date)s is now a closed day.") % {"date": _day(start)}
                )
            else:
                messages.success(
                    request,
                    ngettext(
                        "Closed from %(start)s to %(end)s: %(count)d day added.",
                        "Closed from %(start)s to %(end)s: %(count)d days added.",
                        len(added),
                    )
                    % {"start": _day(start), "end": _day(end), "count": len(added)},
                )
            return redirect("calendar-settings")
    return _settings_page(request, admin, closed_form=form)


@login_required
@require_POST
def closed_date_delete(request: HttpRequest, closed_date_id: UUID) -> HttpResponse:
    admin = require_supplier_admin(request)
    closed_date = get_closed_date_for_admin(admin, closed_date_id)
    require_recent_login(request)
    services.remove_closed_date(closed_date, actor=admin)
    messages.success(
        request, _("%(date)s is no longer a closed day.") % {"date": _day(closed_date.date)}
    )
    return redirect("calendar-settings")
