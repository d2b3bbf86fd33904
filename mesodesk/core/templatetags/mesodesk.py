"""Template filters used across mesodesk (loaded as builtins)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import template

register = template.Library()


@register.filter
def get_item(mapping: Mapping[str, Any] | None, key: str) -> Any:
    """`mapping|get_item:key` — a dict lookup with a variable key; None if absent."""
    if mapping is None:
        return None
    return mapping.get(key)


@register.filter
def attr(obj: Any, name: str) -> Any:
    """`obj|attr:"label"` — an attribute of an object that may be None."""
    return getattr(obj, name, "") if obj is not None else ""
