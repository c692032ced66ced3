from __future__ import annotations

from typing import Any

from django.db import migrations, models
from django.db.models import Exists, OuterRef


def taken_at_acceptance(apps: Any, schema_editor: Any) -> None:
    """Accepted (and later) orders already took their stock when they were accepted: record it
    as their lines' reservation, so that cancelling one gives it back and accepting never takes
    it twice. Orders not accepted yet took nothing; they reserve when accepted. Orders recorded
    from CSV as accepted or later never went through an acceptance and took nothing either."""
    OrderLine = apps.get_model("ordering", "OrderLine")
    OrderEvent = apps.get_model("ordering", "OrderEvent")
    accepted_here = OrderEvent.objects.filter(
        order_id=OuterRef("order_id"), kind="status", to_status="accepted"
    )
    lines = (
        OrderLine.objects.filter(
            order__status__in=["accepted", "shipped", "delivered"], product__stock__isnull=False
        )
        .filter(Exists(accepted_here))
        .only("quantity", "confirmed_quantity", "order_unit", "units_per_case")
    )
    for line in lines.iterator(chunk_size=500):
        quantity = line.confirmed_quantity if line.confirmed_quantity is not None else line.quantity
        if line.order_unit == "case" and line.units_per_case:
            quantity *= line.units_per_case
        line.reserved_pieces = quantity
        line.save(update_fields=["reserved_pieces"])


class Migration(migrations.Migration):
    dependencies = [
        ("ordering", "0006_order_supplier_recent"),
    ]

    operations = [
        migrations.AddField(
            model_name="orderline",
            name="reserved_pieces",
            field=models.PositiveIntegerField(db_default=0, default=0),
        ),
        migrations.RunPython(taken_at_acceptance, migrations.RunPython.noop),
    ]
