"""Time-ordered UUIDs (RFC 9562 version 7) for primary keys.

Random UUID4 keys scatter inserts across a B-tree index; UUID7 keys grow with time, so inserts land
at the end of the index on PostgreSQL and SQLite alike, while ids stay unguessable across tenants.
"""

from __future__ import annotations

import os
import time
import uuid


def uuid7() -> uuid.UUID:
    timestamp_ms = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    value = (timestamp_ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76  # version
    value |= ((rand >> 62) & 0xFFF) << 64  # 12 random bits (rand_a)
    value |= 0b10 << 62  # RFC 4122 variant
    value |= rand & ((1 << 62) - 1)  # 62 random bits (rand_b)
    return uuid.UUID(int=value)


def parse_uuid(text: object) -> uuid.UUID | None:
    """An id sent in a form or a query, or None when it is not one (a tampered or garbled
    field finds nothing instead of raising an error page)."""
    try:
        return uuid.UUID(str(text))
    except ValueError:
        return None


def parse_uuids(texts: list[str]) -> list[uuid.UUID]:
    """The ids among `texts`; the others are left out."""
    return [found for text in texts if (found := parse_uuid(text)) is not None]
