"""The product's URLs plus the bench floor, mounted only by config.bench_settings."""

from __future__ import annotations

from django.urls import path

from config.urls import urlpatterns as product_urlpatterns
from tsunagu.bench import views

urlpatterns = [
    path("bench/minimal/", views.minimal, name="bench-minimal"),
    *product_urlpatterns,
]
