from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tsunagu.accounts import services
from tsunagu.accounts.access import get_membership_for_user, signed_in_user


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """`/`: the dashboard for a signed-in person, the login page for anyone else."""
    if request.user.is_authenticated:
        return redirect("dashboard")
    return redirect("account_login")


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/dashboard.html")


@login_required
@require_POST
def switch_organization(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    membership = get_membership_for_user(user, request.POST.get("organization", ""))
    services.switch_organization(request, membership=membership)
    messages.success(
        request,
        _("You are now working as %(organization)s.") % {"organization": membership.organization},
    )
    next_url = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        return redirect(next_url)
    return redirect("dashboard")
