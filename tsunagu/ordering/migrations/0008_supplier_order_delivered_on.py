from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from django.db import migrations, models

TOKYO = ZoneInfo("Asia/Tokyo")


def delivered_before(apps: Any, schema_editor: Any) -> None:
    """Orders already delivered: the day they were marked delivered, or (recorded from CSV,
    with no such step) their delivery date."""
    Order = apps.get_model("ordering", "Order")
    OrderEvent = apps.get_model("ordering", "OrderEvent")
    marked = {
        order_id: created_at.astimezone(TOKYO).date()
        for order_id, created_at in OrderEvent.objects.filter(
            kind="status", to_status="delivered"
        ).values_list("order_id", "created_at")
    }
    orders = Order.objects.filter(status="delivered", delivered_on__isnull=True).only(
        "delivery_date", "requested_delivery_date"
    )
    for order in orders.iterator(chunk_size=500):
        order.delivered_on = (
            marked.get(order.pk) or order.delivery_date or (order.requested_delivery_date)
        )
        order.save(update_fields=["delivered_on"])


class Migration(migrations.Migration):
    dependencies = [
        ("ordering", "0007_supplier_reserved_stock"),
    ]

    operations = [
        migrations.AddField(
            model_name="order",
            name="delivered_on",
            field=models.DateField(blank=True, null=True, verbose_name="delivered on"),
        ),
        migrations.RunPython(delivered_before, migrations.RunPython.noop),
    ]
