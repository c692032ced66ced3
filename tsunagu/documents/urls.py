from __future__ import annotations

from django.urls import include, path

from tsunagu.documents import settings_views, views

urlpatterns = [
    # The supplier's documents (views.py)
    path("supplier/documents/", views.supplier_documents, name="supplier-documents"),
    path(
        "supplier/documents/settings/",
        settings_views.document_settings,
        name="document-settings",
    ),
    path(
        "supplier/documents/<uuid:document_id>/",
        views.supplier_document,
        name="supplier-document",
    ),
    path(
        "supplier/documents/<uuid:document_id>/pdf/",
        views.supplier_document_pdf,
        name="supplier-document-pdf",
    ),
    path(
        "supplier/documents/<uuid:document_id>/mail/",
        views.supplier_document_mail,
        name="supplier-document-mail",
    ),
    path(
        "supplier/documents/<uuid:document_id>/sent/",
        views.supplier_document_sent,
        name="supplier-document-sent",
    ),
    path(
        "supplier/documents/<uuid:document_id>/paid/",
        views.supplier_document_paid,
        name="supplier-document-paid",
    ),
    path(
        "supplier/documents/<uuid:document_id>/void/",
        views.supplier_document_void,
        name="supplier-document-void",
    ),
    path(
        "supplier/documents/<uuid:document_id>/credit-note/",
        views.supplier_document_credit_note,
        name="supplier-document-credit-note",
    ),
    path(
        "supplier/orders/<uuid:order_id>/documents/",
        views.supplier_order_documents,
        name="supplier-order-documents",
    ),
    # The buyer's documents
    path("buyer/documents/", views.buyer_documents, name="buyer-documents"),
    path(
        "buyer/documents/<uuid:document_id>/",
        views.buyer_document,
        name="buyer-document",
    ),
    path(
        "buyer/documents/<uuid:document_id>/pdf/",
        views.buyer_document_pdf,
        name="buyer-document-pdf",
    ),
    # Billing runs and payments (billing_views.py)
    path("", include("tsunagu.documents.billing_urls")),
]
