from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "tsunagu.catalog"
    label = "catalog"
    verbose_name = "Catalog"
