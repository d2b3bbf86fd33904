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


@register.filter
def labels(codes: Any, mapping: Mapping[str, Any] | None) -> str:
    """`plan.areas|labels:kb.body_areas` — knowledge codes as their names, joined with commas
    (a code the mapping lacks stays as typed, so nothing silently disappears)."""
    if not codes:
        return ""
    words = []
    for code in [codes] if isinstance(codes, str) else codes:
        entry = (mapping or {}).get(code)
        words.append(str(getattr(entry, "label", None) or getattr(entry, "name", None) or code))
    return ", ".join(words)


@register.filter
def words(code: Any) -> str:
    """`"amide_local_anaesthetic"|words` — a free-form classification code read as words, for
    codes the knowledge base gives no name for."""
    text = str(code or "").replace("_", " ").strip()
    return text[:1].upper() + text[1:]
