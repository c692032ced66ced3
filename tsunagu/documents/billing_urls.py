"""The billing and payment pages; included from tsunagu/documents/urls.py."""

from __future__ import annotations

from django.urls import path

from tsunagu.documents import billing_views

urlpatterns = [
    path("supplier/billing/", billing_views.billing_home, name="billing"),
    path("supplier/billing/runs/<uuid:run_id>/", billing_views.billing_run, name="billing-run"),
    path(
        "supplier/billing/per-order/",
        billing_views.issue_per_order_invoices,
        name="billing-per-order",
    ),
    path("supplier/payments/", billing_views.payment_list, name="payment-list"),
    path("supplier/payments/import/", billing_views.payment_import, name="payment-import"),
    path(
        "supplier/payments/<uuid:payment_id>/cancel/",
        billing_views.payment_cancel,
        name="payment-cancel",
    ),
]
