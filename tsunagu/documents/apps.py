from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "tsunagu.documents"
    label = "documents"
    verbose_name = "Documents and billing"

    def ready(self) -> None:
        from tsunagu.documents import per_order
        from tsunagu.ordering.signals import order_status_changed

        order_status_changed.connect(
            per_order.on_order_status_changed, dispatch_uid="documents.per_order_invoice"
        )
