from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tsunagu.accounts.models import Organization
from tsunagu.customers.models import Location
from tsunagu.customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_a_customer_gets_more_locations_and_one_is_the_default(
    supplier_client: Client, supplier: Organization
) -> None:
    customer = CustomerFactory.create(supplier=supplier)
    url = reverse("location-new", args=[customer.pk])

    response = supplier_client.post(
        url,
        {
            "name": "さくら 駅前店",
            "postal_code": "",
            "address": "東京都港区1-1",
            "phone": "",
            "is_default": "on",
        },
        follow=True,
    )

    assert response.status_code == 200
    location = Location.objects.get(customer=customer, name="さくら 駅前店")
    assert location.is_default
    assert location.supplier == supplier
    assert Location.objects.filter(customer=customer, is_default=True).count() == 1


def test_a_location_without_a_name_keeps_the_input(
    supplier_client: Client, supplier: Organization
) -> None:
    customer = CustomerFactory.create(supplier=supplier)

    response = supplier_client.post(
        reverse("location-new", args=[customer.pk]), {"name": "", "address": "大阪市北区"}
    )

    page = response.content.decode()
    assert 'id="id_name_error"' in page
    assert 'value="大阪市北区"' in page


def test_the_last_location_cannot_be_deleted(
    supplier_client: Client, supplier: Organization
) -> None:
    customer = CustomerFactory.create(supplier=supplier)
    only = Location.objects.create(
        supplier=supplier, customer=customer, name="本店", is_default=True
    )

    response = supplier_client.post(reverse("location-delete", args=[only.pk]), follow=True)

    assert "最後の納品先は削除できません" in response.content.decode()
    assert Location.objects.filter(pk=only.pk).exists()
