from __future__ import annotations

from uuid import UUID

from django.http import Http404

from tsunagu.accounts.models import Membership
from tsunagu.integrations.models import ImportJob
from tsunagu.ordering.models import ExportProfile


def get_import_job_for_member(member: Membership, job_id: UUID) -> ImportJob:
    try:
        return ImportJob.objects.get(pk=job_id, supplier_id=member.organization_id)
    except ImportJob.DoesNotExist:
        raise Http404 from None


def get_export_profile_for_member(member: Membership, profile_id: UUID) -> ExportProfile:
    """One of the member's supplier's export profiles; any other id answers 404."""
    try:
        return ExportProfile.objects.get(pk=profile_id, supplier_id=member.organization_id)
    except ExportProfile.DoesNotExist:
        raise Http404 from None
