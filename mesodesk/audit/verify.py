"""Walks every audit chain, compares it with the signed checkpoints, and reports every break."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from mesodesk.audit.chain import GENESIS, KEYED_EPOCH, LEGACY_EPOCH, event_hash
from mesodesk.audit.checkpoints import Checkpoint, CheckpointStore, checkpoints_read
from mesodesk.audit.keys import audit_key
from mesodesk.audit.models import AuditChain, AuditEvent

CHECKPOINTS = "checkpoints"


@dataclass(frozen=True)
class ChainBreak:
    chain_key: str
    seq: int
    reason: str

    def __str__(self) -> str:
        if self.chain_key == CHECKPOINTS:
            return f"checkpoint line {self.seq}: {self.reason}"
        return f"chain {self.chain_key}, event #{self.seq}: {self.reason}"


@dataclass
class Expected:
    """What the checkpoints say about one chain: links at seqs, and where keying began."""

    links: dict[int, tuple[str, dt.datetime]] = field(default_factory=dict)
    keyed_from: int | None = None

    @property
    def highest(self) -> int:
        return max(self.links, default=0)


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


def _expected(checkpoints: Iterable[Checkpoint]) -> dict[str, Expected]:
    expected: dict[str, Expected] = {}
    for checkpoint in checkpoints:
        for key, head in checkpoint.heads.items():
            entry = expected.setdefault(key, Expected())
            if head.seq:
                entry.links.setdefault(head.seq, (head.link, checkpoint.at))
            if head.keyed_from is not None:
                entry.keyed_from = min(entry.keyed_from or head.keyed_from, head.keyed_from)
    return expected


class _Walk:
    """One pass over one chain, collecting every break rather than stopping at the first."""

    def __init__(self, key: str, expected: Expected, hmac_key: bytes) -> None:
        self.key, self.expected, self.hmac_key = key, expected, hmac_key
        self.breaks: list[ChainBreak] = []
        self.prev, self.next_seq, self.keyed = GENESIS, 1, False

    def add(self, seq: int, reason: str) -> None:
        self.breaks.append(ChainBreak(self.key, seq, reason))

    def event(self, event: AuditEvent) -> None:
        if event.seq != self.next_seq:
            last = event.seq - 1
            span = f"#{self.next_seq}" if last == self.next_seq else f"#{self.next_seq}-#{last}"
            self.add(self.next_seq, f"event(s) {span} are missing (deleted)")
        elif event.prev_hash != self.prev:
            self.add(event.seq, "does not link to the event before it")
        self._epoch(event)
        self._content(event)
        checkpointed = self.expected.links.get(event.seq)
        if checkpointed and checkpointed[0] != event.hash:
            self.add(
                event.seq,
                f"differs from the checkpoint of {checkpointed[1]:%Y-%m-%d %H:%M} UTC "
                "(re-hashed or replaced)",
            )
        self.prev, self.next_seq = event.hash, event.seq + 1

    def _epoch(self, event: AuditEvent) -> None:
        if event.key_epoch == KEYED_EPOCH:
            self.keyed = True
        elif event.key_epoch == LEGACY_EPOCH:
            keyed_from = self.expected.keyed_from
            if self.keyed or (keyed_from is not None and event.seq >= keyed_from):
                self.add(event.seq, "uses the unkeyed scheme after the chain was keyed (forged)")
        else:
            self.add(event.seq, f"has an unknown key epoch {event.key_epoch}")

    def _content(self, event: AuditEvent) -> None:
        if event.key_epoch not in (LEGACY_EPOCH, KEYED_EPOCH):
            return
        digest = event_hash(
            event.prev_hash, _event_fields(event), epoch=event.key_epoch, key=self.hmac_key
        )
        if digest != event.hash:
            self.add(event.seq, "content was altered after it was written")

    def finish(self, head: AuditChain | None) -> list[ChainBreak]:
        last = self.next_seq - 1
        if head is None and last:
            self.add(last, "the chain's head record is missing")
        elif head is not None and (head.last_seq != last or (last and head.last_hash != self.prev)):
            self.add(
                last + 1,
                f"the head says #{head.last_seq} but the newest event is #{last} "
                "(latest events deleted or head altered)",
            )
        highest = self.expected.highest
        if highest > last:
            what = "the whole chain is missing" if last == 0 else "the latest events are missing"
            self.add(
                last + 1,
                f"{what}: a checkpoint saw event #{highest} (deleted, head rolled back)",
            )
        return self.breaks


def verify_chain(
    key: str,
    *,
    head: AuditChain | None,
    expected: Expected | None = None,
    using: str = "default",
    hmac_key: bytes | None = None,
) -> list[ChainBreak]:
    walk = _Walk(key, expected or Expected(), hmac_key or audit_key())
    events = AuditEvent.objects.using(using).filter(chain_key=key).order_by("seq")
    for event in events.iterator(chunk_size=2000):
        walk.event(event)
    return walk.finish(head)


def verify_all(
    *,
    using: str = "default",
    with_checkpoints: bool = True,
    until: dt.datetime | None = None,
    store: CheckpointStore | None = None,
) -> tuple[int, list[ChainBreak]]:
    """(number of events checked, every break found in every chain and in the checkpoints)."""
    breaks: list[ChainBreak] = []
    expected: dict[str, Expected] = {}
    if with_checkpoints:
        checkpoints, problems = checkpoints_read(store=store, until=until)
        breaks += [ChainBreak(CHECKPOINTS, p.line_no, p.reason) for p in problems]
        expected = _expected(checkpoints)
    heads = {chain.key: chain for chain in AuditChain.objects.using(using)}
    keys = set(heads) | set(expected)
    keys |= set(
        AuditEvent.objects.using(using).values_list("chain_key", flat=True).distinct().order_by()
    )
    hmac_key = audit_key()
    for key in sorted(keys):
        breaks += verify_chain(
            key, head=heads.get(key), expected=expected.get(key), using=using, hmac_key=hmac_key
        )
    return AuditEvent.objects.using(using).count(), breaks
