"""The audit trail's HMAC key, read from settings (environment or a file, never the database)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def audit_key() -> bytes:
    key = str(getattr(settings, "AUDIT_HMAC_KEY", "") or "")
    if len(key) < 32:
        raise ImproperlyConfigured(
            "Set AUDIT_HMAC_KEY (at least 32 characters) or AUDIT_HMAC_KEY_FILE; `make run` "
            "generates var/audit_hmac_key. Keep it outside the database and its backups."
        )
    return key.encode()
