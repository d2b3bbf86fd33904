"""A small fixed-window rate limiter in Django's shared cache.

The cache is shared by every gunicorn worker (the database cache by default, Redis for a
chain), so a limit holds across processes. Windows are fixed: the answer's `Retry-After` is the
time left in the current window, which is exact and needs no history per client.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from functools import lru_cache

from django.core.cache import caches

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: int


@lru_cache(maxsize=32)
def parse_rate(text: str) -> Rate:
    """`"120/m"`, `"20/10m"` or `"1000/h"`: so many requests per so long."""
    count, _, period = text.strip().partition("/")
    digits = period[:-1] or "1"
    if not (count.isdigit() and digits.isdigit() and period[-1:] in UNITS):
        raise ValueError(f"Not a rate: {text!r} (use e.g. 120/m or 20/10m).")
    return Rate(count=int(count), seconds=int(digits) * UNITS[period[-1]])


def rate_hit(scope: str, ident: str, rate: Rate, *, now: float | None = None) -> int | None:
    """Counts one request of `ident`; the seconds to wait when it is over the rate, else None."""
    now = time.time() if now is None else now
    window = int(now // rate.seconds)
    digest = hashlib.sha256(ident.encode()).hexdigest()[:32]  # no token or address in the cache
    key = f"rl:{scope}:{digest}:{window}"
    cache = caches["default"]
    cache.add(key, 0, timeout=rate.seconds + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=rate.seconds + 1)
        count = 1
    if count <= rate.count:
        return None
    return max(1, int((window + 1) * rate.seconds - now))
