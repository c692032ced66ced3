from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tsunagu.accounts.access import require_supplier_staff
from tsunagu.catalog import services
from tsunagu.catalog.access import (
    get_customer_price_for_member,
    get_price_group_for_member,
    get_product_for_member,
)
from tsunagu.catalog.forms import PriceGroupForm, ProductFieldForm, ProductForm
from tsunagu.catalog.models import PriceGroup, Product, ProductField
from tsunagu.catalog.selectors import products_of
from tsunagu.integrations.csv import exporting

PAGE_SIZE = 50


@login_required
@require_GET
def product_list(request: HttpRequest) -> HttpResponse:
    member = require_supplier_staff(request)
    query = request.GET.get("q", "").strip()
    page = Paginator(products_of(member.organization, query=query), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {
        "page": page,
        "q": query,
        "query": f"q={query}" if query else "",
        "can_write": member.role != "viewer",
    }
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "catalog/_product_rows.html", context)
    return render(request, "catalog/product_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def product_edit(request: HttpRequest, product_id: UUID | None = None) -> HttpResponse:
    member = require_supplier_staff(request, write=request.method == "POST")
    product = get_product_for_member(member, product_id) if product_id else None
    form = ProductForm(
        request.POST or None, request.FILES or None, instance=product, supplier=member.organization
    )
    if request.method == "POST" and form.is_valid():
        saved = services.save_product(
            product,
            actor=member,
            data=form.product_data(),
            visible_to=list(form.cleaned_data["visible_to"]),
        )
        messages.success(request, _("The product %(name)s was saved.") % {"name": saved})
        return redirect("product-list")
    return render(request, "catalog/product_form.html", {"form": form, "product": product})


@login_required
@require_POST
def product_delete(request: HttpRequest, product_id: UUID) -> HttpResponse:
    member = require_supplier_staff(request, write=True)
    product = get_product_for_member(member, product_id)
    try:
        services.delete_product(product, actor=member)
    except services.InUseError as error:
        messages.error(request, str(error))
        return redirect("product-edit", product_id=product.pk)
    messages.success(request, _("The product %(name)s was deleted.") % {"name": product})
    return redirect("product-list")


@login_required
@require_GET
def product_export(request: HttpRequest) -> StreamingHttpResponse:
    member = require_supplier_staff(request)
    products = Product.objects.filter(supplier=member.organization).order_by("product_code")
    response = StreamingHttpResponse(
        exporting.rows("products", products.iterator()), content_type="text/csv; charset=utf-8"
    )
    stamp = timezone.localtime().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="products-{stamp}.csv"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def price_groups(request: HttpRequest, price_group_id: UUID | None = None) -> HttpResponse:
    member = require_supplier_staff(request, write=request.method == "POST")
    group = get_price_group_for_member(member, price_group_id) if price_group_id else None
    form = PriceGroupForm(request.POST or None, instance=group)
    if request.method == "POST" and form.is_valid():
        saved = services.save_price_group(
            group, actor=member, name=form.cleaned_data["name"], rate=form.cleaned_data["rate"]
        )
        messages.success(request, _("The price group %(name)s was saved.") % {"name": saved})
        return redirect("price-groups")
    groups = PriceGroup.objects.filter(supplier=member.organization)
    return render(
        request, "catalog/price_groups.html", {"form": form, "groups": groups, "group": group}
    )


@login_required
@require_http_methods(["GET", "POST"])
def product_fields(request: HttpRequest) -> HttpResponse:
    member = require_supplier_staff(request, write=request.method == "POST")
    form = ProductFieldForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if ProductField.objects.filter(
            supplier=member.organization, key=form.cleaned_data["key"]
        ).exists():
            form.add_error("key", _("Another field already has this key."))
        else:
            saved = services.save_product_field(None, actor=member, data=form.cleaned_data)
            messages.success(request, _("The product field %(name)s was added.") % {"name": saved})
            return redirect("product-fields")
    fields = ProductField.objects.filter(supplier=member.organization)
    return render(request, "catalog/product_fields.html", {"form": form, "fields": fields})


@login_required
@require_POST
def customer_price_delete(request: HttpRequest, price_id: UUID) -> HttpResponse:
    member = require_supplier_staff(request, write=True)
    price = get_customer_price_for_member(member, price_id)
    services.remove_customer_price(price, actor=member)
    messages.success(
        request, _("The customer's own price was removed: the usual price applies again.")
    )
    return redirect("customer-edit", customer_id=price.customer_id)


@login_required
@require_GET
def product_photo(request: HttpRequest, product_id: UUID) -> FileResponse:
    """The product's photo, for the supplier's own people (files are not public)."""
    member = require_supplier_staff(request)
    product = get_product_for_member(member, product_id)
    if not product.photo:
        raise Http404
    return FileResponse(product.photo.open("rb"))
