"""The supplier inbox (being written)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse


def inbox(request: HttpRequest) -> HttpResponse:
    raise NotImplementedError


def delivery_calendar(request: HttpRequest) -> HttpResponse:
    raise NotImplementedError


def bulk(request: HttpRequest) -> HttpResponse:
    raise NotImplementedError


def order_page(request: HttpRequest, order_id: object) -> HttpResponse:
    raise NotImplementedError


def move(request: HttpRequest, order_id: object) -> HttpResponse:
    raise NotImplementedError


def change(request: HttpRequest, order_id: object) -> HttpResponse:
    raise NotImplementedError
