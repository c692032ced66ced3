from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tsunagu.accounts.models import Organization
from tsunagu.customers.models import Customer

pytestmark = pytest.mark.django_db

CUSTOMER = {
    "customer_code": "Ｃ１",
    "name": "ﾚｽﾄﾗﾝ ｻｸﾗ",
    "name_kana": "",
    "closing_day": "20",
    "payment_month_offset": "1",
    "payment_day": "31",
    "delivery_weekdays": ["0", "2", "4"],
    "status": "active",
    "registration_number": "",
}


def test_a_customer_is_added_with_terms_and_a_first_location(
    supplier_client: Client, supplier: Organization
) -> None:
    response = supplier_client.post(reverse("customer-new"), CUSTOMER, follow=True)

    customer = Customer.objects.get(supplier=supplier)
    assert response.status_code == 200
    assert (customer.customer_code, customer.name) == ("C1", "レストラン サクラ")
    assert customer.terms_label == "20日締め翌月末払い"
    assert customer.weekdays_label == "月水金"
    assert customer.locations.get().is_default


def test_a_customer_billed_per_delivery_keeps_it_when_edited(
    supplier_client: Client, supplier: Organization
) -> None:
    supplier_client.post(reverse("customer-new"), {**CUSTOMER, "billing_method": "per_order"})
    customer = Customer.objects.get(supplier=supplier)
    assert customer.billing_method == Customer.BillingMethod.PER_ORDER
    page = supplier_client.get(reverse("customer-edit", args=[customer.pk])).content.decode()
    assert "都度請求（20日締め翌月末払い）" in page

    # A script that leaves the field out does not switch the customer back.
    supplier_client.post(reverse("customer-edit", args=[customer.pk]), {**CUSTOMER, "name": "改名"})

    customer.refresh_from_db()
    assert (customer.name, customer.billing_method) == ("改名", "per_order")


def test_a_taken_code_keeps_the_input_and_says_why(supplier_client: Client) -> None:
    supplier_client.post(reverse("customer-new"), CUSTOMER)

    response = supplier_client.post(reverse("customer-new"), {**CUSTOMER, "name": "別の店"})

    page = response.content.decode()
    assert 'id="id_customer_code_error"' in page
    assert 'value="別の店"' in page
    assert Customer.objects.count() == 1


def test_customer_search_by_code_name_and_kana(
    supplier_client: Client, supplier: Organization
) -> None:
    Customer.objects.create(
        supplier=supplier, customer_code="A1", name="さくら", name_kana="サクラ"
    )
    Customer.objects.create(
        supplier=supplier, customer_code="B2", name="はなみち", name_kana="ハナミチ"
    )

    page = supplier_client.get(reverse("customer-list"), {"q": "さくら"}).content.decode()

    assert ">A1</a>" in page
    assert ">B2</a>" not in page
