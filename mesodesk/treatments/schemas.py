from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from ninja import Field, Schema

from mesodesk.core.api import PatchSchema
from mesodesk.core.schemas import InSchema
from mesodesk.treatments.fields import SESSIONS_PLANNED, TOPICAL_ANAESTHETIC_G


class PlanIn(InSchema):
    indication: str = Field(max_length=40)
    areas: list[str] = Field(max_length=20)
    protocol_id: uuid.UUID | None = None
    sessions_planned: int | None = SESSIONS_PLANNED.pydantic_field()
    topical_anaesthetic_g: Decimal | None = TOPICAL_ANAESTHETIC_G.pydantic_field()
    notes: str = Field("", max_length=4000)


class PlanPatch(PatchSchema):
    indication: str | None = Field(None, max_length=40)
    areas: list[str] | None = Field(None, max_length=20)
    protocol_id: uuid.UUID | None = None
    sessions_planned: int | None = SESSIONS_PLANNED.pydantic_field()
    topical_anaesthetic_g: Decimal | None = TOPICAL_ANAESTHETIC_G.pydantic_field()
    notes: str | None = Field(None, max_length=4000)


class LineIn(InSchema):
    product_id: uuid.UUID
    volume_ml: Decimal
    area: str = Field("", max_length=40)


class LinePatch(PatchSchema):
    volume_ml: Decimal | None = None
    area: str | None = Field(None, max_length=40)


class ReasonIn(InSchema):
    reason: str = Field(max_length=2000)


class LineOut(Schema):
    id: uuid.UUID
    product_id: uuid.UUID
    product_name: str
    volume_ml: Decimal
    area: str


class TotalOut(Schema):
    ingredient: str
    name: str
    amount: Decimal
    unit: str
    volume_ml: Decimal


class CheckOut(Schema):
    ingredient: str
    kind: str
    limit: Decimal | None
    actual: Decimal | None
    unit: str
    status: str
    hard: bool
    message: str
    sources: list[str]


class DoseOut(Schema):
    blocked: bool
    error: str = ""
    totals: list[TotalOut] = []
    checks: list[CheckOut] = []
    notes: list[CheckOut] = []


class PlanOut(Schema):
    id: uuid.UUID
    patient_id: uuid.UUID
    indication: str
    areas: list[str]
    protocol_id: uuid.UUID | None
    sessions_planned: int | None
    topical_anaesthetic_g: Decimal | None
    status: str
    notes: str
    created_at: dt.datetime
    activated_at: dt.datetime | None
    lines: list[LineOut]
    dose: DoseOut
    screening_id: uuid.UUID | None
    screening_verdict: str | None
