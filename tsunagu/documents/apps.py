from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "tsunagu.documents"
    label = "documents"
    verbose_name = "Documents and billing"
