"""The input bounds of sessions, defined once (see `core.fields`)."""

from __future__ import annotations

from mesodesk.core.fields import bound

# How long ago a topical anaesthetic may have been applied to be recorded for the session.
ANAESTHETIC_MINUTES_AGO = bound("sessions.anaesthetic_minutes_ago")
