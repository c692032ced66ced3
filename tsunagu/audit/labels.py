"""Plain words for the operation codes, for the audit page and its CSV."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

ACTION_LABELS = {
    "login.succeeded": _("Logged in"),
    "login.failed": _("Login failed"),
    "login.locked_out": _("Locked after failed logins"),
    "login.refused_locked": _("Login refused while locked"),
    "logout": _("Logged out"),
    "user.registered": _("Account created"),
    "organization.updated": _("Organization settings changed"),
    "member.role_changed": _("Role changed"),
    "member.removed": _("Member removed"),
    "invitation.created": _("Invitation made"),
    "invitation.revoked": _("Invitation cancelled"),
    "invitation.accepted": _("Invitation accepted"),
    "two_factor.enabled": _("Two-step verification turned on"),
    "two_factor.disabled": _("Two-step verification turned off"),
    "two_factor.recovery_codes_generated": _("New recovery codes made"),
    "calendar.updated": _("Delivery calendar changed"),
    "calendar.closed_dates_added": _("Closed days added"),
    "calendar.closed_date_removed": _("Closed day removed"),
    "product.created": _("Product added"),
    "product.updated": _("Product changed"),
    "product.deleted": _("Product deleted"),
    "product_field.created": _("Product field added"),
    "product_field.updated": _("Product field changed"),
    "price_group.created": _("Price group added"),
    "price_group.updated": _("Price group changed"),
    "customer_price.set": _("Customer price set"),
    "customer_price.removed": _("Customer price removed"),
    "customer.created": _("Customer added"),
    "customer.updated": _("Customer changed"),
    "customer.deleted": _("Customer deleted"),
    "customer.invited": _("Customer invited to order online"),
    "customer.linked": _("Customer linked to its company"),
    "organization.created": _("Organization created"),
    "location.created": _("Location added"),
    "location.updated": _("Location changed"),
    "location.deleted": _("Location deleted"),
    "order.placed": _("Order placed"),
    "order.received": _("Order received"),
    "order.approved": _("Order approved"),
    "order.changed": _("Order changed"),
    "order.cancelled": _("Order cancelled"),
    "order.status_changed": _("Order status changed"),
    "order.message": _("Message on an order"),
    "order_form_field.created": _("Order form question added"),
    "import.products": _("Products imported from CSV"),
    "import.customers": _("Customers imported from CSV"),
    "admin.viewed": _("Viewed by a platform operator"),
    "admin.changed": _("Changed by a platform operator"),
}


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))
