"""Re-authentication of a signer: an electronic signature (countersigning a consent, signing
a session or an addendum) and unlocking the kiosk ask again for the person's password or
their short signing PIN. The PIN is stored hashed with Django's password hashers."""

from __future__ import annotations

import re
from datetime import datetime

from django.contrib.auth.hashers import check_password, make_password
from django.utils import timezone

from mesodesk.accounts.actor import Actor
from mesodesk.accounts.models import User
from mesodesk.audit.choices import AuditAction
from mesodesk.audit.services import audit_event_record
from mesodesk.core.errors import FieldErrors

PIN_PATTERN = re.compile(r"[0-9]{4,8}")
REAUTH_FIELD = "password"
MISSING = "Enter your password or signing PIN to sign."
WRONG = "That password or PIN is not right."


def secret_matches(user: User, secret: str) -> bool:
    """Whether `secret` is the user's password or their signing PIN (when they set one)."""
    if not secret or len(secret) > 256:
        return False
    if user.check_password(secret):
        return True
    return bool(user.signing_pin) and check_password(secret, user.signing_pin)


def signer_reauthenticate(
    *, actor: Actor, secret: str | None, field: str = REAUTH_FIELD
) -> datetime:
    """The moment the actor proved again who they are; FieldErrors naming `field` when the
    secret is missing or wrong (a wrong one is audited, outside the caller's transaction
    only if the caller has none)."""
    assert actor.user is not None
    if not secret:
        raise FieldErrors.single(field, MISSING)
    if not secret_matches(actor.user, secret):
        audit_event_record(
            actor=actor,
            action=AuditAction.REFUSED,
            obj=actor.user,
            summary="re-authentication to sign failed",
        )
        raise FieldErrors.single(field, WRONG)
    return timezone.now()


def signing_pin_set(*, actor: Actor, pin: str, password: str) -> None:
    """Sets (or with an empty `pin`, removes) the actor's signing PIN: 4 to 8 digits,
    confirmed with their password, stored hashed."""
    assert actor.user is not None
    user = actor.user
    errors: dict[str, list[str]] = {}
    if not password or not user.check_password(password):
        errors["password"] = ["Enter your current password to change the PIN."]
    if pin and not PIN_PATTERN.fullmatch(pin):
        errors["pin"] = ["The PIN is 4 to 8 digits."]
    if errors:
        raise FieldErrors(errors)
    user.signing_pin = make_password(pin) if pin else ""
    user.save(update_fields=["signing_pin"])
    audit_event_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=user,
        summary="signing PIN set" if pin else "signing PIN removed",
    )
