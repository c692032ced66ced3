from django.urls import path

from tsunagu.catalog import views

urlpatterns = [
    path("supplier/products/", views.product_list, name="product-list"),
    path("supplier/products/new/", views.product_edit, name="product-new"),
    path("supplier/products/export.csv", views.product_export, name="product-export"),
    path("supplier/products/<uuid:product_id>/", views.product_edit, name="product-edit"),
    path(
        "supplier/products/<uuid:product_id>/delete/", views.product_delete, name="product-delete"
    ),
    path("supplier/products/<uuid:product_id>/photo/", views.product_photo, name="product-photo"),
    path("supplier/price-groups/", views.price_groups, name="price-groups"),
    path(
        "supplier/price-groups/<uuid:price_group_id>/", views.price_groups, name="price-group-edit"
    ),
    path("supplier/product-fields/", views.product_fields, name="product-fields"),
    path(
        "supplier/customer-prices/<uuid:price_id>/delete/",
        views.customer_price_delete,
        name="customer-price-delete",
    ),
]
