from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "tsunagu.integrations"
    label = "integrations"
    verbose_name = "Integrations"
