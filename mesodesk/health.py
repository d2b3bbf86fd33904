"""/healthz: the database, the worker, the last backup, the last audit checkpoint, the disk.

JSON for a monitor; 200 when every check passes, 503 when one fails.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache

from mesodesk.audit.checkpoints import last_checkpoint_at
from mesodesk.core.health import CORE_CHECKS, Check, age_check, health_report


def checkpoint_check() -> Check:
    limit = dt.timedelta(minutes=settings.HEALTH_CHECKPOINT_MAX_MINUTES)
    try:
        at = last_checkpoint_at()
    except (OSError, ImproperlyConfigured) as exc:
        return Check("audit_checkpoint", False, f"unreadable: {type(exc).__name__}")
    return age_check("audit_checkpoint", at, limit, "audit checkpoint")


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    healthy, report = health_report((*CORE_CHECKS, checkpoint_check))
    return JsonResponse(report, status=200 if healthy else 503)
