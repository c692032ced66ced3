"""Proxy entry (being written)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse


def new_order(request: HttpRequest) -> HttpResponse:
    raise NotImplementedError


def attachment(request: HttpRequest, attachment_id: object) -> HttpResponse:
    raise NotImplementedError
