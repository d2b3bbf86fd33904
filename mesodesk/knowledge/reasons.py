"""The written reason a clinician gives for loosening a rule, changing a configurable default
or overriding a screening: one rule for its length, used by knowledge and screening alike."""

from __future__ import annotations

MIN_REASON = 10


def reason_error(reason: str, why: str = "") -> str | None:
    """The message for a reason too short to explain a decision (None when it is long enough)."""
    if len(reason.strip()) >= MIN_REASON:
        return None
    ask = f"give a written reason (at least {MIN_REASON} characters)."
    return f"{why}: {ask}" if why else ask[0].upper() + ask[1:]
