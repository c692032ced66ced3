from __future__ import annotations

from urllib.parse import urlencode
from uuid import UUID

import segno
from allauth.account.internal.flows.login import perform_password_login
from allauth.account.models import Login
from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import (
    require_GET,
    require_http_methods,
    require_POST,
    require_safe,
)

from tsunagu.accounts import invitations, security, selectors, services
from tsunagu.accounts.access import (
    get_invitation_for_admin,
    get_member_for_admin,
    get_membership_for_user,
    require_admin,
    require_membership,
    require_recent_login,
    signed_in_user,
)
from tsunagu.accounts.forms import InvitationForm, JoinForm, OrganizationForm, RoleForm
from tsunagu.accounts.invitations import InvitationError
from tsunagu.accounts.models import Invitation, Role, User
from tsunagu.accounts.selectors import memberships_of


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """`/`: the dashboard for a signed-in person, the login page for anyone else."""
    if request.user.is_authenticated:
        return redirect("dashboard")
    return redirect("account_login")


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    membership = getattr(request, "membership", None)
    if membership is not None and membership.role == Role.SHIPPING:
        # Shipping staff see only their shipping instructions.
        return redirect("shipping-instructions")
    if membership is None and selectors.waiting_invitations(signed_in_user(request)):
        return redirect("invitation-waiting")
    if (
        membership is not None
        and membership.organization.is_buyer
        and not membership.organization.is_supplier
    ):
        # A buyer's home is the ordering page: いつもの orders one tap away.
        return redirect("buyer-home")
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


INVITATION_TOKEN_SESSION_KEY = "tsunagu_invitation_token:{}"  # noqa: S105 - a session key name


@login_required
@require_GET
def account_settings(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    return render(
        request,
        "accounts/account.html",
        {"has_two_factor": is_mfa_enabled(user), "memberships": memberships_of(user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def organization_settings(request: HttpRequest) -> HttpResponse:
    admin = require_admin(request)
    require_recent_login(request)
    form = OrganizationForm(request.POST or None, instance=admin.organization)
    if request.method == "POST" and form.is_valid():
        data = {field: form.cleaned_data[field] for field in form.fields}
        services.update_organization(admin.organization, actor=admin, data=data)
        messages.success(request, _("The organization's settings were saved."))
        return redirect("organization-settings")
    return render(request, "accounts/organization_settings.html", {"form": form})


@login_required
@require_GET
def members(request: HttpRequest) -> HttpResponse:
    membership = require_membership(request)
    if membership.role == Role.SHIPPING:
        # Shipping people see their shipping work only, not everyone's addresses.
        raise PermissionDenied
    rows = [
        {
            "membership": member,
            "has_two_factor": member.user.pk in two_factor_users,
            "is_locked": security.is_locked_out(member.user.email),
        }
        for two_factor_users in [selectors.users_with_two_factor(membership.organization)]
        for member in selectors.members_of(membership.organization)
    ]
    pending = selectors.pending_invitations(membership.organization) if membership.is_admin else []
    return render(request, "accounts/members.html", {"rows": rows, "pending": pending})


@login_required
@require_http_methods(["GET", "POST"])
def member_detail(request: HttpRequest, membership_id: UUID) -> HttpResponse:
    admin = require_admin(request)
    member = get_member_for_admin(admin, membership_id)
    require_recent_login(request)
    form = RoleForm(
        request.POST or None,
        initial={"role": member.role},
        for_owner=admin.role == Role.OWNER,
        organization=admin.organization,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.change_role(member, actor=admin, role=Role(form.cleaned_data["role"]))
        except services.MembershipRuleError as error:
            form.add_error("role", str(error))
        else:
            messages.success(
                request,
                _("%(name)s is now %(role)s.")
                % {"name": member.user, "role": Role(form.cleaned_data["role"]).label},
            )
            return redirect("members")
    return render(request, "accounts/member_detail.html", {"member": member, "form": form})


@login_required
@require_POST
def member_remove(request: HttpRequest, membership_id: UUID) -> HttpResponse:
    admin = require_admin(request)
    member = get_member_for_admin(admin, membership_id)
    require_recent_login(request)
    try:
        services.remove_member(member, actor=admin)
    except services.MembershipRuleError as error:
        messages.error(request, str(error))
        return redirect("member-detail", membership_id=member.pk)
    messages.success(
        request, _("%(name)s was removed from the organization.") % {"name": member.user}
    )
    return redirect("members")


@login_required
@require_http_methods(["GET", "POST"])
def invitation_new(request: HttpRequest) -> HttpResponse:
    admin = require_admin(request)
    form = InvitationForm(
        request.POST or None, organization=admin.organization, for_owner=admin.role == Role.OWNER
    )
    if request.method == "POST" and form.is_valid():
        try:
            invitation, token = services.create_invitation(
                admin.organization,
                actor=admin,
                kind=Invitation.Kind(form.cleaned_data["kind"]),
                role=Role(form.cleaned_data["role"]),
                email=form.cleaned_data.get("email") or "",
                accept_url=lambda token: request.build_absolute_uri(
                    reverse("invitation-accept", args=[token])
                ),
            )
        except (services.MembershipRuleError, InvitationError) as error:
            form.add_error(None, str(error))
        else:
            request.session[INVITATION_TOKEN_SESSION_KEY.format(invitation.pk)] = token
            if invitation.kind == Invitation.Kind.EMAIL:
                messages.success(
                    request, _("An invitation was sent to %(email)s.") % {"email": invitation.email}
                )
            return redirect("invitation-detail", invitation_id=invitation.pk)
    return render(request, "accounts/invitation_new.html", {"form": form})


@login_required
@require_GET
def invitation_detail(request: HttpRequest, invitation_id: UUID) -> HttpResponse:
    admin = require_admin(request)
    invitation = get_invitation_for_admin(admin, invitation_id)
    # The link exists only right after the invitation is made: the token is not stored.
    token = request.session.pop(INVITATION_TOKEN_SESSION_KEY.format(invitation.pk), None)
    url = request.build_absolute_uri(reverse("invitation-accept", args=[token])) if token else ""
    return render(
        request,
        "accounts/invitation_detail.html",
        {"invitation": invitation, "url": url, "qr_svg": qr_code_svg(url) if url else ""},
    )


@login_required
@require_POST
def invitation_revoke(request: HttpRequest, invitation_id: UUID) -> HttpResponse:
    admin = require_admin(request)
    invitation = get_invitation_for_admin(admin, invitation_id)
    services.revoke_invitation(invitation, actor=admin)
    messages.success(request, _("The invitation was cancelled: its link no longer works."))
    return redirect("members")


@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """The link in an invitation: join as the signed-in person, or make an account and join."""
    try:
        invitation = invitations.find_usable(token)
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
    form = None if user else JoinForm(request.POST or None, invitation=invitation)
    if request.method == "POST" and (form is None or form.is_valid()):
        response = redirect("dashboard")
        try:
            if user is not None:
                membership = services.accept_invitation(invitation, user=user)
            else:
                assert form is not None  # noqa: S101 - narrowed above
                email = form.cleaned_data["email"]
                user, membership = services.register_by_invitation(
                    invitation,
                    email=email,
                    name=form.cleaned_data["name"],
                    password=form.cleaned_data["password"],
                )
                # The person has just set their password: log them in as if they had typed it
                # on the login page (allauth counts it for the next few sensitive steps).
                next_page = "dashboard" if membership else "invitation-waiting"
                response = perform_password_login(
                    request,
                    {"email": email},
                    Login(user=user, email=email, redirect_url=reverse(next_page)),
                )
        except InvitationError as error:
            return render(
                request, "accounts/invitation_unusable.html", {"message": error.message}, status=410
            )
        if membership is None:
            # An address typed on a shared link is not proven yet: confirm it by mail first.
            services.send_address_confirmation(user, request=request, signup=form is not None)
            return response if form is not None else redirect("invitation-waiting")
        services.switch_organization(request, membership=membership)
        messages.success(
            request,
            _("You have joined %(organization)s.") % {"organization": membership.organization},
        )
        return response
    login_url = f"{reverse('account_login')}?{urlencode({'next': request.path})}"
    return render(
        request,
        "accounts/invitation_accept.html",
        {
            "invitation": invitation,
            "form": form,
            "login_url": login_url,
            "needs_confirmation": user is not None
            and invitations.needs_confirmed_address(invitation, user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def invitation_waiting(request: HttpRequest) -> HttpResponse:
    """After using a link: joining waits until the person confirms their address by mail."""
    user = signed_in_user(request)
    waiting = selectors.waiting_invitations(user)
    if not waiting:
        return redirect("dashboard")
    if request.method == "POST":
        if services.send_address_confirmation(user, request=request, signup=False):
            messages.success(
                request, _("The mail was sent again to %(email)s.") % {"email": user.email}
            )
        else:
            messages.info(
                request, _("The mail was just sent. Wait a few minutes before asking again.")
            )
        return redirect("invitation-waiting")
    return render(request, "accounts/invitation_waiting.html", {"waiting": waiting})


def qr_code_svg(url: str) -> str:
    """The invitation link as an inline SVG QR code, to show on a screen or print."""
    return str(segno.make(url, error="m").svg_inline(scale=5, dark="#1f2328", light="#ffffff"))
