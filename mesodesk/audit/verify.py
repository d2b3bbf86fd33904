"""Walks every audit chain and reports the first broken link."""

from __future__ import annotations

from dataclasses import dataclass

from mesodesk.audit.chain import GENESIS, event_hash
from mesodesk.audit.models import AuditChain, AuditEvent


@dataclass(frozen=True)
class ChainBreak:
    chain_key: str
    seq: int
    reason: str

    def __str__(self) -> str:
        return f"chain {self.chain_key}, event #{self.seq}: {self.reason}"


def _event_fields(event: AuditEvent) -> dict[str, object]:
    return {
        "chain_key": event.chain_key,
        "seq": event.seq,
        "clinic_id": event.clinic_id,
        "occurred_at": event.occurred_at,
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "actor_role": event.actor_role,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "patient_id": event.patient_id,
        "summary": event.summary,
        "changes": event.changes,
        "ip": event.ip,
        "user_agent": event.user_agent,
    }


def verify_chain(chain: AuditChain) -> ChainBreak | None:
    expected_prev = GENESIS
    expected_seq = 1
    events = AuditEvent.objects.filter(chain_key=chain.key).order_by("seq")
    for event in events.iterator(chunk_size=2000):
        if event.seq != expected_seq:
            return ChainBreak(chain.key, expected_seq, "event is missing (deleted)")
        if event.prev_hash != expected_prev:
            return ChainBreak(chain.key, event.seq, "does not link to the event before it")
        if event_hash(event.prev_hash, _event_fields(event)) != event.hash:
            return ChainBreak(chain.key, event.seq, "content was altered after it was written")
        expected_prev = event.hash
        expected_seq += 1
    if chain.last_seq != expected_seq - 1 or (chain.last_seq and chain.last_hash != expected_prev):
        return ChainBreak(chain.key, expected_seq, "the latest events are missing (deleted)")
    return None


def verify_all() -> tuple[int, list[ChainBreak]]:
    """(number of events checked, the first break of each broken chain)."""
    breaks: list[ChainBreak] = []
    for chain in AuditChain.objects.order_by("key"):
        found = verify_chain(chain)
        if found is not None:
            breaks.append(found)
    return AuditEvent.objects.count(), breaks
