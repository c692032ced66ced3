"""Walking the hash chains: finds the first entry that was changed, removed or inserted."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from tsunagu.audit.hashing import GENESIS_HASH, entry_hash
from tsunagu.audit.models import AuditChainHead, AuditEntry


@dataclass(frozen=True)
class Break:
    chain: str
    entry_id: int | None
    sequence: int
    reason: str


@dataclass(frozen=True)
class Verification:
    checked: int
    breaks: list[Break]

    @property
    def intact(self) -> bool:
        return not self.breaks


def verify_chains(chains: Iterable[str]) -> Verification:
    """Check each chain from its first entry; report the first break of each."""
    checked = 0
    breaks = []
    for chain in chains:
        count, problem = _verify_chain(chain)
        checked += count
        if problem is not None:
            breaks.append(problem)
    return Verification(checked=checked, breaks=breaks)


def _verify_chain(chain: str) -> tuple[int, Break | None]:
    previous_hash = GENESIS_HASH
    expected_sequence = 1
    count = 0
    entries = AuditEntry.objects.filter(chain=chain).order_by("sequence").iterator(chunk_size=2000)
    for entry in entries:
        count += 1
        if entry.sequence != expected_sequence:
            return count, Break(
                chain, entry.pk, entry.sequence, f"entry {expected_sequence} is missing"
            )
        if entry.previous_hash != previous_hash:
            return count, Break(
                chain, entry.pk, entry.sequence, "does not link to the entry before it"
            )
        if entry_hash(entry) != entry.entry_hash:
            return count, Break(
                chain, entry.pk, entry.sequence, "its content differs from what was recorded"
            )
        previous_hash = entry.entry_hash
        expected_sequence += 1
    head = AuditChainHead.objects.filter(chain=chain).first()
    if head is not None and (head.sequence, head.last_hash) != (
        expected_sequence - 1,
        previous_hash,
    ):
        return count, Break(
            chain,
            None,
            head.sequence,
            f"the last {head.sequence - expected_sequence + 1} entries are missing",
        )
    return count, None


def all_chains() -> list[str]:
    heads = set(AuditChainHead.objects.values_list("chain", flat=True))
    entries = set(AuditEntry.objects.values_list("chain", flat=True).distinct())
    return sorted(heads | entries)
