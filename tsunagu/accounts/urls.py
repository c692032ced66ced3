from django.urls import path

from tsunagu.accounts import views

urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("account/", views.account_settings, name="account-settings"),
    path("organization/switch/", views.switch_organization, name="organization-switch"),
    path("organization/settings/", views.organization_settings, name="organization-settings"),
    path("organization/members/", views.members, name="members"),
    path("organization/members/<uuid:membership_id>/", views.member_detail, name="member-detail"),
    path(
        "organization/members/<uuid:membership_id>/remove/",
        views.member_remove,
        name="member-remove",
    ),
    path("organization/invitations/new/", views.invitation_new, name="invitation-new"),
    path(
        "organization/invitations/<uuid:invitation_id>/",
        views.invitation_detail,
        name="invitation-detail",
    ),
    path(
        "organization/invitations/<uuid:invitation_id>/revoke/",
        views.invitation_revoke,
        name="invitation-revoke",
    ),
    path("invite/waiting/", views.invitation_waiting, name="invitation-waiting"),
    path("invite/<str:token>/", views.invitation_accept, name="invitation-accept"),
]
