from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "tsunagu.ops"
    label = "ops"
    verbose_name = "Operations"
