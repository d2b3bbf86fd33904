"""Pure checks of e-mail addresses (no database, no side effects)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_email


def email_address_error(address: str) -> str | None:
    """Why `address` cannot receive mail, or None when it is a valid address."""
    try:
        validate_email(address)
    except ValidationError:
        return "Enter a valid e-mail address."
    return None
