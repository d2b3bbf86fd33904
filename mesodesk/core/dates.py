"""The one definition of a date that can be real in a clinical record.

A birth date before 1900, a symptom that began in the year 1 or a lot that expires in 9999 is a
typing or fuzzing accident, and far-off dates overflow date arithmetic (`date + timedelta`).
Every date the API or a form accepts must lie within these bounds; each service may narrow them
further (a birth date not in the future, an expected delivery within 300 days).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

EARLIEST_DATE = dt.date(1900, 1, 1)
LATEST_DATE = dt.date(2199, 12, 31)


def date_bounds_error(value: dt.date | None) -> str | None:
    """A message when `value` lies outside the plausible range, else None."""
    if value is None:
        return None
    if value < EARLIEST_DATE:
        return f"The date is before {EARLIEST_DATE:%Y}; enter a real date."
    if value > LATEST_DATE:
        return f"The date is after {LATEST_DATE:%Y}; enter a real date."
    return None


def _plausible(value: dt.date) -> dt.date:
    if message := date_bounds_error(value):
        raise PydanticCustomError("implausible_date", message)
    return value


# A `datetime.date` for API input schemas that refuses dates no record can carry.
PlausibleDate = Annotated[dt.date, AfterValidator(_plausible)]
