from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from tsunagu.accounts.models import Organization
from tsunagu.audit.models import AuditEntry


def entries_of(
    organization: Organization,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    actor: str = "",
    action: str = "",
    target: str = "",
) -> QuerySet[AuditEntry]:
    """The organization's entries, newest first, narrowed by the audit page's filters."""
    entries = AuditEntry.objects.filter(organization_id=organization.pk)
    zone = timezone.get_current_timezone()
    if date_from:
        entries = entries.filter(occurred_at__gte=datetime.combine(date_from, time.min, zone))
    if date_to:
        end = datetime.combine(date_to + timedelta(days=1), time.min, zone)
        entries = entries.filter(occurred_at__lt=end)
    if actor:
        entries = entries.filter(actor_email__icontains=actor.strip())
    if action:
        entries = entries.filter(action=action)
    if target:
        entries = entries.filter(target_label__icontains=target.strip())
    return entries.order_by("-occurred_at", "-id")
