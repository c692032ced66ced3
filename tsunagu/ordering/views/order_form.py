"""The supplier's own questions on every order form."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from tsunagu.accounts.access import require_supplier_staff
from tsunagu.ordering import services
from tsunagu.ordering.forms import OrderFormFieldForm
from tsunagu.ordering.models import OrderFormField


@login_required
@require_http_methods(["GET", "POST"])
def order_form_fields(request: HttpRequest) -> HttpResponse:
    member = require_supplier_staff(request, write=request.method == "POST")
    form = OrderFormFieldForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if OrderFormField.objects.filter(
            supplier=member.organization, key=form.cleaned_data["key"]
        ).exists():
            form.add_error("key", _("Another field already has this key."))
        else:
            field = services.add_order_form_field(actor=member, data=form.cleaned_data)
            messages.success(
                request,
                _("The question %(label)s was added to the order form.") % {"label": field.label},
            )
            return redirect("order-form-fields")
    fields = OrderFormField.objects.filter(supplier=member.organization)
    return render(request, "ordering/order_form_fields.html", {"form": form, "fields": fields})
