"""Field validators of the patient record."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

from mesodesk.knowledge.loader import knowledge

PHONE_RE = re.compile(r"^\+?[0-9 ()./-]{5,32}$")


def validate_phone(value: str) -> None:
    if value and (not PHONE_RE.match(value) or sum(c.isdigit() for c in value) < 5):
        raise ValidationError("Enter a phone number: digits, spaces, + ( ) - . / only.")


def validate_condition_code(value: str) -> None:
    if value not in knowledge().conditions:
        raise ValidationError(f"{value!r} is not a condition in the knowledge base.")


def validate_medication_class(value: str) -> None:
    if value not in knowledge().medication_classes:
        raise ValidationError(f"{value!r} is not a medication class in the knowledge base.")


def validate_allergy_group(value: str) -> None:
    if value and value not in knowledge().allergy_groups:
        raise ValidationError(f"{value!r} is not an allergy group in the knowledge base.")


def validate_body_area(value: str) -> None:
    if value and value not in knowledge().body_areas:
        raise ValidationError(f"{value!r} is not a body area in the knowledge base.")


def validate_body_areas(value: object) -> None:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValidationError("Target areas must be a list of area codes.")
    unknown = [v for v in value if v not in knowledge().body_areas]
    if unknown:
        raise ValidationError(f"Unknown body areas: {', '.join(unknown)}.")
    if len(set(value)) != len(value):
        raise ValidationError("A target area is listed twice.")


def name_key(value: str) -> str:
    """A search key for a name: lower-case ASCII letters and digits only ("O'Brien" → "obrien")."""
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", value.casefold())
    return "".join(c for c in decomposed if c.isascii() and c.isalnum())


def phone_key(value: str) -> str:
    return "".join(c for c in value if c.isdigit())
