"""Domain events of the patient record, for apps above patients (screening re-runs on them).

Sent inside the transaction of the change, so a receiver's writes commit or roll back with it.
Within `history_batch()` (accepting a whole intake, say) the event is sent once per patient
when the batch ends, not once per fact.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.dispatch import Signal

# kwargs: actor (Actor), patient_id (UUID)
history_changed = Signal()

_state = threading.local()


def notify_history_changed(*, actor: Any, patient_id: uuid.UUID) -> None:
    pending: dict[uuid.UUID, Any] | None = getattr(_state, "pending", None)
    if pending is not None:
        pending[patient_id] = actor
    else:
        history_changed.send(sender=None, actor=actor, patient_id=patient_id)


@contextmanager
def history_batch() -> Iterator[None]:
    if getattr(_state, "pending", None) is not None:
        yield  # already inside a batch: the outer one sends
        return
    _state.pending = {}
    try:
        yield
        pending, _state.pending = _state.pending, None
        for patient_id, actor in pending.items():
            history_changed.send(sender=None, actor=actor, patient_id=patient_id)
    finally:
        _state.pending = None
