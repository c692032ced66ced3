from django.urls import path

from tsunagu.calendar import views

urlpatterns = [
    path("supplier/calendar/", views.calendar_settings, name="calendar-settings"),
    path(
        "supplier/calendar/closed-dates/add/",
        views.closed_dates_add,
        name="closed-dates-add",
    ),
    path(
        "supplier/calendar/closed-dates/<uuid:closed_date_id>/delete/",
        views.closed_date_delete,
        name="closed-date-delete",
    ),
]
