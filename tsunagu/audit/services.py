"""Appending to the operation log: the one small function every service calls."""

from __future__ import annotations

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone

from tsunagu.accounts.models import Organization, User
from tsunagu.audit import context
from tsunagu.audit.hashing import entry_hash
from tsunagu.audit.models import PLATFORM_CHAIN, AuditChainHead, AuditEntry


def chain_of(organization: Organization | None) -> str:
    return str(organization.pk) if organization is not None else PLATFORM_CHAIN


def record(
    action: str,
    *,
    actor: User | None,
    organization: Organization | None,
    target: models.Model | None = None,
    target_label: str = "",
    changes: dict[str, Any] | None = None,
    acting_for: Organization | None = None,
    actor_email: str = "",
) -> AuditEntry:
    """Append one entry to the organization's chain (or the platform's, without organization).

    Call it inside the service's transaction: the entry commits or rolls back with the change it
    describes. The chain head is locked until then, so concurrent entries queue up in order.
    """
    request = context.current()
    # Store exactly what JSON gives back, so that the hash computed now matches the row read later.
    normalized = json.loads(json.dumps(changes or {}, cls=DjangoJSONEncoder, ensure_ascii=False))
    chain = chain_of(organization)
    with transaction.atomic():
        AuditChainHead.objects.bulk_create([AuditChainHead(chain=chain)], ignore_conflicts=True)
        head = AuditChainHead.objects.select_for_update(no_key=True).get(chain=chain)
        entry = AuditEntry(
            chain=chain,
            sequence=head.sequence + 1,
            occurred_at=timezone.now(),
            actor_id=actor.pk if actor is not None else None,
            actor_email=(actor.email if actor is not None else actor_email)[:254],
            organization_id=organization.pk if organization is not None else None,
            acting_for_id=acting_for.pk if acting_for is not None else None,
            acting_for_name=acting_for.name if acting_for is not None else "",
            action=action,
            target_type=target._meta.label_lower if target is not None else "",
            target_id=str(target.pk) if target is not None else "",
            target_label=(target_label or (str(target) if target is not None else ""))[:255],
            changes=normalized,
            ip=request.ip,
            user_agent=request.user_agent,
            request_id=request.request_id,
            previous_hash=head.last_hash,
        )
        entry.entry_hash = entry_hash(entry)
        entry.save(force_insert=True)
        head.sequence = entry.sequence
        head.last_hash = entry.entry_hash
        head.save(update_fields=["sequence", "last_hash"])
    return entry
