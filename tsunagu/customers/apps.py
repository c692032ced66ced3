from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "tsunagu.customers"
    label = "customers"
    verbose_name = "Customers"
