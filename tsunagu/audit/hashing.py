"""The content hash of an audit entry: canonical JSON of every field but the hash itself."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tsunagu.audit.models import AuditEntry

GENESIS_HASH = "0" * 64


def entry_hash(entry: AuditEntry) -> str:
    content = {
        "chain": entry.chain,
        "sequence": entry.sequence,
        "occurred_at": entry.occurred_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor_id": str(entry.actor_id or ""),
        "actor_email": entry.actor_email,
        "organization_id": str(entry.organization_id or ""),
        "acting_for_id": str(entry.acting_for_id or ""),
        "acting_for_name": entry.acting_for_name,
        "action": entry.action,
        "target_type": entry.target_type,
        "target_id": entry.target_id,
        "target_label": entry.target_label,
        "changes": entry.changes,
        "ip": entry.ip or "",
        "user_agent": entry.user_agent,
        "request_id": entry.request_id,
        "previous_hash": entry.previous_hash,
    }
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
