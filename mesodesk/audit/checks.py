"""`manage.py check --deploy` refuses to pass without the keys kept outside the database."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register
from django.core.exceptions import ImproperlyConfigured


@register(deploy=True)
def keys_outside_the_database(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    from mesodesk.audit.keys import audit_key
    from mesodesk.core.backup.crypto import backup_key

    messages: list[CheckMessage] = []
    try:
        audit_key()
    except ImproperlyConfigured as exc:
        messages.append(Error(str(exc), id="mesodesk.E001"))
    try:
        backup_key()
    except ImproperlyConfigured as exc:
        messages.append(Warning(str(exc), id="mesodesk.W002"))
    if str(settings.AUDIT_CHECKPOINT_PATH).startswith(str(settings.BACKUP_DIR)):
        messages.append(
            Warning("Keep audit checkpoints apart from the backups.", id="mesodesk.W003")
        )
    return messages
