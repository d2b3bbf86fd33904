"""The input bounds of treatment plans, defined once (see `core.fields`)."""

from __future__ import annotations

from mesodesk.core.fields import bound

SESSIONS_PLANNED = bound("treatments.plan.sessions_planned")
TOPICAL_ANAESTHETIC_G = bound("treatments.plan.topical_anaesthetic_g")
