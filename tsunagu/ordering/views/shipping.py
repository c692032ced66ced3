"""Shipping instructions, the shipping user's list, picking lists (being written)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse


def instructions(request: HttpRequest) -> HttpResponse:
    raise NotImplementedError


def assign(request: HttpRequest, order_id: object) -> HttpResponse:
    raise NotImplementedError


def mark_done(request: HttpRequest, instruction_id: object) -> HttpResponse:
    raise NotImplementedError


def picking_list(request: HttpRequest) -> HttpResponse:
    raise NotImplementedError
