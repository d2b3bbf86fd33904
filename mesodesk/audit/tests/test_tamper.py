"""A database writer without the key cannot hide what they did: every scenario is reported."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

from mesodesk.audit.chain import GENESIS, LEGACY_EPOCH, event_hash
from mesodesk.audit.checkpoints import checkpoint_write, last_checkpoint_at
from mesodesk.audit.models import AuditChain, AuditEvent
from mesodesk.audit.services import audit_event_record, chain_key_for
from mesodesk.audit.verify import _event_fields, verify_all
from mesodesk.core.testing import Personas

pytestmark = pytest.mark.django_db


def _events(personas: Personas, count: int = 6) -> str:
    for n in range(count):
        audit_event_record(actor=personas.practitioner, action="read", summary=f"look {n}")
    audit_event_record(actor=personas.foreign_practitioner, action="read", summary="elsewhere")
    return chain_key_for(personas.clinic_a.pk)


def _sql(statement: str, params: list[Any]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def _rehash_from(key: str, seq: int, *, epoch: int, hmac_key: bytes = b"") -> None:
    """What an attacker with database access does after an edit: recompute every link after
    it and the head, with whatever scheme and key they have."""
    before = AuditEvent.objects.filter(chain_key=key, seq=seq - 1).first()
    prev = before.hash if before else GENESIS
    for event in AuditEvent.objects.filter(chain_key=key, seq__gte=seq).order_by("seq"):
        digest = event_hash(prev, _event_fields(event), epoch=epoch, key=hmac_key)
        _sql(
            "UPDATE audit_auditevent SET prev_hash = %s, hash = %s, key_epoch = %s WHERE id = %s",
            [prev, digest, epoch, event.pk],
        )
        prev = digest
    last = AuditEvent.objects.filter(chain_key=key).order_by("-seq").first()
    assert last is not None
    _sql(
        "UPDATE audit_auditchain SET last_seq = %s, last_hash = %s WHERE key = %s",
        [last.seq, prev, key],
    )


def _reasons() -> list[str]:
    return [str(b) for b in verify_all()[1]]


def test_an_untouched_trail_with_checkpoints_verifies(personas: Personas) -> None:
    _events(personas)
    checkpoint_write()
    audit_event_record(actor=personas.practitioner, action="read", summary="after")
    checkpoint_write()
    assert _reasons() == []


def test_it_detects_newest_events_deleted_with_the_head_rolled_back(personas: Personas) -> None:
    key = _events(personas)
    checkpoint_write()
    newest = AuditEvent.objects.filter(chain_key=key).order_by("-seq")
    kept = newest[2]
    _sql("DELETE FROM audit_auditevent WHERE chain_key = %s AND seq > %s", [key, kept.seq])
    _sql(
        "UPDATE audit_auditchain SET last_seq = %s, last_hash = %s WHERE key = %s",
        [kept.seq, kept.hash, key],
    )

    reasons = _reasons()

    assert len(reasons) == 1
    assert f"event #{kept.seq + 1}" in reasons[0]
    assert "head rolled back" in reasons[0]


def test_it_detects_an_edit_re_hashed_with_the_old_unkeyed_scheme(personas: Personas) -> None:
    key = _events(personas)
    checkpoint_write()
    _sql("UPDATE audit_auditevent SET summary = 'nothing' WHERE chain_key = %s AND seq = 3", [key])
    _rehash_from(key, 3, epoch=LEGACY_EPOCH)

    reasons = _reasons()

    assert any("#3" in r and "unkeyed scheme after the chain was keyed" in r for r in reasons)
    assert any("differs from the checkpoint" in r for r in reasons)


def test_it_detects_an_edit_re_hashed_with_a_guessed_key(personas: Personas) -> None:
    key = _events(personas)
    _sql("UPDATE audit_auditevent SET summary = 'nothing' WHERE chain_key = %s AND seq = 2", [key])
    _rehash_from(key, 2, epoch=1, hmac_key=b"not-the-real-key-but-long-enough-0000")

    reasons = _reasons()

    # Without any checkpoint, the key alone exposes every re-hashed link.
    altered = [r for r in reasons if "altered" in r]
    assert len(altered) == AuditEvent.objects.filter(chain_key=key).count() - 1


def test_it_detects_a_clinic_whose_whole_chain_vanished(personas: Personas) -> None:
    _events(personas)
    checkpoint_write()
    foreign = chain_key_for(personas.clinic_b.pk)
    _sql("DELETE FROM audit_auditevent WHERE chain_key = %s", [foreign])
    _sql("DELETE FROM audit_auditchain WHERE key = %s", [foreign])

    reasons = _reasons()

    assert reasons == [
        f"chain {foreign}, event #1: the whole chain is missing: a checkpoint saw event #1 "
        "(deleted, head rolled back)"
    ]


def test_it_reports_every_break_not_only_the_first(personas: Personas) -> None:
    key = _events(personas)
    for seq in (2, 5):
        _sql(
            "UPDATE audit_auditevent SET summary = 'edited' WHERE chain_key = %s AND seq = %s",
            [key, seq],
        )
    _sql("DELETE FROM audit_auditevent WHERE chain_key = %s AND seq = 4", [key])

    reasons = _reasons()

    assert any("#2: content was altered" in r for r in reasons)
    assert any("#4" in r and "missing (deleted)" in r for r in reasons)
    assert any("#5: content was altered" in r for r in reasons)


def test_it_detects_an_edited_or_forged_checkpoint_line(personas: Personas) -> None:
    _events(personas)
    checkpoint_write()
    path = Path(settings.AUDIT_CHECKPOINT_PATH)
    line = json.loads(path.read_text())
    line["heads"][chain_key_for(personas.clinic_a.pk)][0] = 2
    path.write_text(json.dumps(line) + "\n")

    assert _reasons() == ["checkpoint line 1: signature does not match (forged or edited)"]
    assert last_checkpoint_at() is None


def test_events_written_before_the_key_existed_still_verify(personas: Personas) -> None:
    """The upgrade path: old events keep epoch 0 (unkeyed), the chain continues keyed."""
    key = chain_key_for(personas.clinic_a.pk)
    prev = GENESIS
    for seq in (1, 2):
        event = AuditEvent(
            chain_key=key,
            seq=seq,
            clinic=personas.clinic_a,
            occurred_at=dt.datetime(2026, 1, 1, 10, tzinfo=dt.UTC),
            actor_label="legacy",
            action="read",
            summary=f"before the upgrade {seq}",
            prev_hash=prev,
            key_epoch=LEGACY_EPOCH,
        )
        event.hash = event_hash(prev, _event_fields(event))
        event.save()
        prev = event.hash
    AuditChain.objects.create(key=key, last_seq=2, last_hash=prev)

    audit_event_record(actor=personas.practitioner, action="read", summary="after the upgrade")
    checkpoint_write()

    assert _reasons() == []
    assert list(
        AuditEvent.objects.filter(chain_key=key).order_by("seq").values_list("key_epoch", flat=True)
    ) == [0, 0, 1]


def test_audit_verify_compares_only_with_checkpoints_up_to_a_moment(personas: Personas) -> None:
    key = _events(personas)
    checkpoint_write()
    first_at = last_checkpoint_at()
    audit_event_record(actor=personas.practitioner, action="read", summary="later")
    checkpoint_write()
    newest = AuditEvent.objects.filter(chain_key=key).order_by("-seq")[0]
    _sql("DELETE FROM audit_auditevent WHERE id = %s", [newest.pk])
    _sql(
        "UPDATE audit_auditchain SET last_seq = last_seq - 1, last_hash = %s WHERE key = %s",
        [newest.prev_hash, key],
    )

    # The newest checkpoint saw the deleted event; one taken before it (a backup's) did not.
    assert verify_all()[1]
    assert verify_all(until=first_at)[1] == []
