from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tsunagu.accounts.access import require_supplier_staff
from tsunagu.accounts.models import Organization
from tsunagu.catalog import services as catalog
from tsunagu.catalog.forms import CustomerPriceForm
from tsunagu.catalog.models import CustomerPrice
from tsunagu.core.text import search_key
from tsunagu.customers import services
from tsunagu.customers.access import get_customer_for_member, get_location_for_member
from tsunagu.customers.forms import CustomerForm, LocationForm
from tsunagu.customers.models import Customer
from tsunagu.integrations.csv import exporting


@login_required
@require_GET
def customer_list(request: HttpRequest) -> HttpResponse:
    member = require_supplier_staff(request)
    query = request.GET.get("q", "").strip()
    customers = Customer.objects.filter(supplier=member.organization).select_related("price_group")
    for word in query.split():
        key = search_key(word)
        customers = customers.filter(
            Q(customer_code__icontains=word) | Q(name__icontains=word) | Q(name_kana__icontains=key)
        )
    page = Paginator(customers.order_by("customer_code"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "customers/customer_list.html",
        {"page": page, "q": query, "query": f"q={query}" if query else ""},
    )


@login_required
@require_http_methods(["GET", "POST"])
def customer_edit(request: HttpRequest, customer_id: UUID | None = None) -> HttpResponse:
    member = require_supplier_staff(request, write=request.method == "POST")
    customer = get_customer_for_member(member, customer_id) if customer_id else None
    form = CustomerForm(request.POST or None, instance=customer, supplier=member.organization)
    if request.method == "POST" and form.is_valid():
        saved = services.save_customer(customer, actor=member, data=form.customer_data())
        messages.success(request, _("The customer %(name)s was saved.") % {"name": saved})
        return redirect("customer-edit", customer_id=saved.pk)
    return render(
        request,
        "customers/customer_form.html",
        _detail_context(customer, form, member.organization),
    )


def _detail_context(
    customer: Customer | None,
    form: CustomerForm,
    supplier: Organization,
    price_form: CustomerPriceForm | None = None,
) -> dict[str, object]:
    prices = (
        CustomerPrice.objects.filter(customer=customer)
        .select_related("product")
        .order_by("product__product_code")
        if customer
        else []
    )
    return {
        "form": form,
        "customer": customer,
        "prices": prices,
        "price_form": price_form or CustomerPriceForm(supplier=supplier),
    }


@login_required
@require_POST
def customer_price_set(request: HttpRequest, customer_id: UUID) -> HttpResponse:
    member = require_supplier_staff(request, write=True)
    customer = get_customer_for_member(member, customer_id)
    price_form = CustomerPriceForm(request.POST, supplier=member.organization)
    if price_form.is_valid() and price_form.product is not None:
        catalog.set_customer_price(
            customer,
            price_form.product,
            actor=member,
            unit_price=price_form.cleaned_data["unit_price"],
        )
        messages.success(
            request,
            _("%(customer)s now pays ¥%(price)s for %(product)s (tax excluded).")
            % {
                "customer": customer.name,
                "price": price_form.cleaned_data["unit_price"],
                "product": price_form.product.name,
            },
        )
        return redirect("customer-edit", customer_id=customer.pk)
    form = CustomerForm(instance=customer, supplier=member.organization)
    return render(
        request,
        "customers/customer_form.html",
        _detail_context(customer, form, member.organization, price_form),
    )


@login_required
@require_POST
def customer_delete(request: HttpRequest, customer_id: UUID) -> HttpResponse:
    member = require_supplier_staff(request, write=True)
    customer = get_customer_for_member(member, customer_id)
    try:
        services.delete_customer(customer, actor=member)
    except services.InUseError as error:
        messages.error(request, str(error))
        return redirect("customer-edit", customer_id=customer.pk)
    messages.success(request, _("The customer %(name)s was deleted.") % {"name": customer})
    return redirect("customer-list")


@login_required
@require_GET
def customer_export(request: HttpRequest) -> StreamingHttpResponse:
    member = require_supplier_staff(request)
    customers = Customer.objects.filter(supplier=member.organization).order_by("customer_code")
    response = StreamingHttpResponse(
        exporting.rows("customers", customers.iterator()), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="customers-{timezone.localtime():%Y%m%d}.csv"'
    )
    return response


@login_required
@require_http_methods(["GET", "POST"])
def location_edit(
    request: HttpRequest, customer_id: UUID | None = None, location_id: UUID | None = None
) -> HttpResponse:
    member = require_supplier_staff(request, write=request.method == "POST")
    location = get_location_for_member(member, location_id) if location_id else None
    customer = location.customer if location else get_customer_for_member(member, customer_id)  # type: ignore[arg-type]
    form = LocationForm(request.POST or None, instance=location)
    if request.method == "POST" and form.is_valid():
        saved = services.save_location(
            location, customer=customer, actor=member, data=form.cleaned_data
        )
        messages.success(
            request, _("The delivery location %(name)s was saved.") % {"name": saved.name}
        )
        return redirect("customer-edit", customer_id=customer.pk)
    return render(
        request,
        "customers/location_form.html",
        {"form": form, "customer": customer, "location": location},
    )


@login_required
@require_POST
def location_delete(request: HttpRequest, location_id: UUID) -> HttpResponse:
    member = require_supplier_staff(request, write=True)
    location = get_location_for_member(member, location_id)
    try:
        services.delete_location(location, actor=member)
    except services.InUseError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, _("The delivery location %(name)s was deleted.") % {"name": location.name}
        )
    return redirect("customer-edit", customer_id=location.customer_id)
