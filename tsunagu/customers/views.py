from __future__ import annotations

from urllib.parse import urlencode
from uuid import UUID

from allauth.account.internal.flows.login import perform_password_login
from allauth.account.models import Login
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tsunagu.accounts import invitations
from tsunagu.accounts import services as accounts
from tsunagu.accounts.access import require_supplier_staff
from tsunagu.accounts.invitations import InvitationError
from tsunagu.accounts.models import Organization, User
from tsunagu.accounts.selectors import memberships_of
from tsunagu.accounts.views import qr_code_svg
from tsunagu.catalog import services as catalog
from tsunagu.catalog.forms import CustomerPriceForm
from tsunagu.catalog.models import CustomerPrice
from tsunagu.core.text import search_key
from tsunagu.customers import services
from tsunagu.customers.access import get_customer_for_member, get_location_for_member
from tsunagu.customers.forms import (
    CustomerForm,
    CustomerInvitationForm,
    CustomerJoinForm,
    LocationForm,
)
from tsunagu.customers.models import Customer, CustomerInvitation
from tsunagu.integrations.csv import exporting

CUSTOMER_INVITATION_TOKEN_KEY = "tsunagu_customer_invitation:{}"  # noqa: S105 - a session key name


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
        for warning in form.warnings:
            messages.warning(request, warning)
        return redirect("customer-edit", customer_id=saved.pk)
    context = _detail_context(customer, form, member.organization)
    # A link invitation's URL exists only right after it is made: its token is not stored.
    token = (
        request.session.pop(CUSTOMER_INVITATION_TOKEN_KEY.format(customer.pk), None)
        if customer
        else None
    )
    if token:
        url = request.build_absolute_uri(reverse("customer-join", args=[token]))
        context.update(invite_url=url, invite_qr=qr_code_svg(url))
    return render(request, "customers/customer_form.html", context)


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
        "invite_form": CustomerInvitationForm(),
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


@login_required
@require_POST
def customer_invite(request: HttpRequest, customer_id: UUID) -> HttpResponse:
    member = require_supplier_staff(request, write=True)
    customer = get_customer_for_member(member, customer_id)
    form = CustomerInvitationForm(request.POST)
    if not form.is_valid():
        context = _detail_context(
            customer,
            CustomerForm(instance=customer, supplier=member.organization),
            member.organization,
        )
        return render(request, "customers/customer_form.html", {**context, "invite_form": form})
    invitation, token = services.invite_customer(
        customer,
        actor=member,
        kind=form.cleaned_data["kind"],
        email=form.cleaned_data.get("email") or "",
        accept_url=lambda token: request.build_absolute_uri(reverse("customer-join", args=[token])),
    )
    if invitation.kind == CustomerInvitation.Kind.EMAIL:
        messages.success(
            request, _("An invitation was sent to %(email)s.") % {"email": invitation.email}
        )
    else:
        request.session[CUSTOMER_INVITATION_TOKEN_KEY.format(customer.pk)] = token
        messages.success(
            request, _("The invitation link is ready: hand it over or let them scan the QR code.")
        )
    return redirect(f"{reverse('customer-edit', args=[customer.pk])}#invite")


@require_http_methods(["GET", "POST"])
def customer_join(request: HttpRequest, token: str) -> HttpResponse:
    """The link a customer's person opens: make an account and company, or link their own."""
    try:
        invitation = services.find_customer_invitation(token)
    except InvitationError as error:
        status = 404 if error.code == "invalid" else 410
        return render(
            request, "accounts/invitation_unusable.html", {"message": error.message}, status=status
        )
    user = request.user if isinstance(request.user, User) else None
    try:
        if user is not None:
            invitations.check_addressee(invitation, user.email)
    except InvitationError as error:
        return render(
            request, "accounts/invitation_unusable.html", {"message": error.message}, status=403
        )
    companies = (
        [m for m in memberships_of(user) if m.is_admin and not m.organization.is_supplier]
        if user
        else []
    )
    form = None if user else CustomerJoinForm(request.POST or None, invitation=invitation)
    if request.method == "POST" and (form is None or form.is_valid()):
        response = redirect("dashboard")
        try:
            if user is None:
                assert form is not None  # noqa: S101 - narrowed above
                email = form.cleaned_data["email"]
                user, membership = services.register_by_customer_invitation(
                    invitation,
                    email=email,
                    name=form.cleaned_data["name"],
                    password=form.cleaned_data["password"],
                    company_name=form.cleaned_data["company_name"],
                )
                response = perform_password_login(
                    request,
                    {"email": email},
                    Login(user=user, email=email, redirect_url=reverse("dashboard")),
                )
            else:
                chosen = request.POST.get("company", "")
                buyer = next(
                    (m.organization for m in companies if m.organization.code == chosen), None
                )
                membership = services.accept_customer_invitation(
                    invitation,
                    user=user,
                    buyer=buyer,
                    new_company_name=request.POST.get("company_name", ""),
                )
        except InvitationError as error:
            return render(
                request, "accounts/invitation_unusable.html", {"message": error.message}, status=410
            )
        accounts.switch_organization(request, membership=membership)
        messages.success(
            request,
            _("You can now order from %(supplier)s as %(company)s.")
            % {"supplier": invitation.supplier, "company": membership.organization},
        )
        return response
    login_url = f"{reverse('account_login')}?{urlencode({'next': request.path})}"
    return render(
        request,
        "customers/customer_join.html",
        {"invitation": invitation, "form": form, "companies": companies, "login_url": login_url},
    )
