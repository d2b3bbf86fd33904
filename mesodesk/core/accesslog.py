"""gunicorn's access log without patient data (used by gunicorn.conf.py).

Query strings hold patient search terms (`?q=smith`) and single-use links carry their token in
the path (`/intake/<token>/`), and the Referer header repeats both. The access log therefore
writes the path only, with every token masked, and never the query string or the Referer.
This module imports nothing of Django so gunicorn can load it before the application.
"""

from __future__ import annotations

import re
from typing import Any

from gunicorn.glogging import Logger

MASK = "…"

# Paths whose segment after the prefix is a secret: the patient intake links, and the
# password-reset and invitation links of the accounts app (Django's <uidb64>/<token>).
TOKEN_PATHS = [
    re.compile(r"^(/intake/)[^/]+"),
    re.compile(r"^(/staff/invitation/)[^/]+"),
    re.compile(
        r"^(/accounts/(?:reset|password-reset|invite|invitation|set-password)/)[^/]+(/[^/]+)?"
    ),
]
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
# A segment that looks like a credential anywhere else: long, letters and digits mixed.
TOKEN_LIKE = re.compile(r"^[A-Za-z0-9_\-:.=]{24,}$")
# Hashed static file names look random too, and hold nothing secret.
STATIC_PREFIX = "/static/"


def _mask_segment(segment: str) -> str:
    if UUID.match(segment) or not TOKEN_LIKE.match(segment):
        return segment
    has_digit = any(c.isdigit() for c in segment)
    has_letter = any(c.isalpha() for c in segment)
    return MASK if has_digit and has_letter else segment


def mask_path(path: str) -> str:
    """`path` with the query string dropped and every single-use token replaced by `…`."""
    path = path.split("?", 1)[0]
    for pattern in TOKEN_PATHS:
        match = pattern.match(path)
        if match:
            tail = path[match.end() :]
            second = pattern.groups > 1 and match.group(2)
            return match.group(1) + MASK + (f"/{MASK}" if second else "") + tail
    if path.startswith(STATIC_PREFIX):
        return path
    return "/".join(_mask_segment(s) for s in path.split("/"))


def safe_atoms(atoms: dict[str, Any]) -> dict[str, Any]:
    """gunicorn's log atoms with the path masked and the query, Referer and raw URI removed."""
    method, proto = atoms.get("m") or "-", atoms.get("H") or "-"
    path = mask_path(str(atoms.get("U") or "-"))
    cleaned = {
        key: value
        for key, value in atoms.items()
        if not (key.endswith("}i") or key.endswith("}e"))  # headers and environ: no copies
    }
    cleaned.update({"U": path, "q": "", "r": f"{method} {path} {proto}", "f": "-"})
    return cleaned


class MaskingLogger(Logger):  # type: ignore[misc]
    """gunicorn's logger with `safe_atoms` applied to every access-log line."""

    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        return safe_atoms(super().atoms(resp, req, environ, request_time))
