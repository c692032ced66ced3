from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "tsunagu.notifications"
    label = "notifications"
    verbose_name = "Notifications"
