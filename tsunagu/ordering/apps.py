from django.apps import AppConfig


class OrderingConfig(AppConfig):
    name = "tsunagu.ordering"
    label = "ordering"
    verbose_name = "Ordering"
