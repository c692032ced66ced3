from django.urls import path

from tsunagu.customers import views

urlpatterns = [
    path("supplier/customers/", views.customer_list, name="customer-list"),
    path("supplier/customers/new/", views.customer_edit, name="customer-new"),
    path("supplier/customers/export.csv", views.customer_export, name="customer-export"),
    path("supplier/customers/<uuid:customer_id>/", views.customer_edit, name="customer-edit"),
    path(
        "supplier/customers/<uuid:customer_id>/delete/",
        views.customer_delete,
        name="customer-delete",
    ),
    path(
        "supplier/customers/<uuid:customer_id>/prices/",
        views.customer_price_set,
        name="customer-price-set",
    ),
    path(
        "supplier/customers/<uuid:customer_id>/locations/new/",
        views.location_edit,
        name="location-new",
    ),
    path("supplier/locations/<uuid:location_id>/", views.location_edit, name="location-edit"),
    path(
        "supplier/locations/<uuid:location_id>/delete/",
        views.location_delete,
        name="location-delete",
    ),
    path(
        "supplier/customers/<uuid:customer_id>/invite/",
        views.customer_invite,
        name="customer-invite",
    ),
    path("join/<str:token>/", views.customer_join, name="customer-join"),
]
