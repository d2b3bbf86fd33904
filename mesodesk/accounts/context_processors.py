from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from mesodesk.accounts.choices import Capability


def clinic_context(request: HttpRequest) -> dict[str, Any]:
    """The acting clinic and a capability lookup (`can.clinical_view`) for templates."""
    actor = getattr(request, "actor", None)
    idle = settings.SESSION_IDLE_TIMEOUT * 1000
    if actor is None:
        return {"actor": None, "can": {}, "idle_timeout_ms": idle}
    return {
        "actor": actor,
        "idle_timeout_ms": idle,
        "can": {cap.name.lower(): actor.can(cap) for cap in Capability},
    }
