from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from tsunagu.core.forms import StyleguideForm


@login_required
@require_http_methods(["GET", "POST"])
def styleguide(request: HttpRequest) -> HttpResponse:
    """Every building block of the page design system on one page, for people who build pages.

    Posting the sample form shows a field error under its field with the typed value kept.
    """
    form = StyleguideForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        messages.success(request, _("The sample form was checked: nothing was saved."))
        return redirect("styleguide")
    rows = [
        {"code": f"P-{number:04d}", "name": name, "price": price}
        for number, (name, price) in enumerate(
            [
                ("国産小麦粉 1kg", 420),
                ("有機トマト缶 400g", 198),
                ("業務用醤油 1.8L", 980),
                ("特選かつお節 500g", 2450),
                ("米油 16.5kg", 6800),
            ]
            * 5,
            start=1,
        )
    ]
    page = Paginator(rows, 5).get_page(request.GET.get("page"))
    return render(request, "core/styleguide.html", {"form": form, "page": page})
