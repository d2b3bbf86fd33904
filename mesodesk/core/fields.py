"""Field specs: one definition of each input bound, shared by forms, schemas and services.

Each app's `fields.py` names its bounds; the numbers come from the knowledge base's
`bounds.toml` (read with its pure loader, which every app may import), so a page, the API
and the service refuse exactly the same values with the same message. This module imports
no Django at module level, so pure modules (pydantic answers, engines) may use the bounds.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from mesodesk.knowledge.loader import knowledge


@dataclass(frozen=True)
class Bound:
    """An inclusive range for a typed number, and how each layer applies it."""

    low: int | Decimal
    high: int | Decimal
    whole: bool = True
    unit: str = ""

    @property
    def message(self) -> str:
        unit = f" {self.unit}" if self.unit else ""
        kind = "a whole number" if self.whole else "a number"
        return f"Enter {kind} from {self.low} to {self.high}{unit}."

    def error(self, value: object, *, optional: bool = False) -> str | None:
        """Why `value` is refused, or None when it is in range (or None and `optional`)."""
        if value is None and optional:
            return None
        if isinstance(value, bool) or not isinstance(value, int | Decimal | float):
            return self.message
        if self.whole and not (isinstance(value, int) or Decimal(value) % 1 == 0):
            return self.message
        return None if self.low <= value <= self.high else self.message

    def form_kwargs(self) -> dict[str, Any]:
        """`min_value`/`max_value` for a Django form field."""
        return {"min_value": self.low, "max_value": self.high}

    def pydantic_field(self, default: Any = None) -> Any:
        """A pydantic (ninja Schema) field with `ge`/`le`."""
        from pydantic import Field

        return Field(default, ge=self.low, le=self.high)

    def validators(self) -> list[Any]:
        """Model-field validators (the last line behind the form and the service)."""
        # Imported here so pure modules (pydantic answers, engines) may use the bounds.
        from django.core.validators import MaxValueValidator, MinValueValidator

        return [MinValueValidator(self.low), MaxValueValidator(self.high)]


def bound(key: str) -> Bound:
    """The bound `key` of the knowledge base's bounds.toml."""
    entry = knowledge().bounds[key]
    if entry.whole:
        return Bound(int(entry.low), int(entry.high), True, entry.unit)
    return Bound(Decimal(str(entry.low)), Decimal(str(entry.high)), False, entry.unit)


def plain_bound(low: int, high: int, unit: str = "") -> Bound:
    """A bound that is not clinical data (a token's lifetime): defined once in `fields.py`."""
    return Bound(low, high, True, unit)
