from django.apps import AppConfig


class CalendarConfig(AppConfig):
    name = "tsunagu.calendar"
    label = "delivery_calendar"
    verbose_name = "Delivery calendar"
