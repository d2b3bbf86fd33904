"""HTMX helpers: one view answers an HTMX request with a partial and a browser with a page."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from mesodesk.core.errors import NON_FIELD, FieldErrors


def is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def render_page(
    request: HttpRequest,
    page: str,
    partial: str,
    context: Mapping[str, Any],
    *,
    status: int = 200,
) -> HttpResponse:
    """`partial` for HTMX requests, the full `page` (which includes the partial) otherwise."""
    template = partial if is_htmx(request) else page
    return render(request, template, dict(context), status=status)


def form_add_errors(form: forms.BaseForm, exc: FieldErrors) -> None:
    """Puts a service's field errors on the form fields they name (others at the top)."""
    for field, messages in exc.errors.items():
        target = field if field in form.fields else None
        for message in messages:
            prefix = "" if target is not None or field == NON_FIELD else f"{field_words(field)}: "
            form.add_error(target, f"{prefix}{message}")


def field_words(field: str) -> str:
    """A service's field key in words for a page ("lines.0.volume_ml" → "Line 1, volume ml";
    "protocol_id" → "Protocol"): codes never reach the screen."""
    parts: list[str] = []
    for part in field.split("."):
        if part.isdigit():
            if parts:
                parts[-1] = f"{parts[-1].removesuffix('s')} {int(part) + 1}"
            continue
        words = part.replace("_", " ").strip()
        parts.append(words.removesuffix(" id") if words != "id" else "identifier")
    text = ", ".join(p for p in parts if p)
    return text[:1].upper() + text[1:]
