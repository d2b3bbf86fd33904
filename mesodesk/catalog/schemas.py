from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from ninja import Field, Schema

from mesodesk.catalog.fields import PROTOCOL_BOUNDS
from mesodesk.core.api import PatchSchema
from mesodesk.core.dates import PlausibleDate
from mesodesk.core.schemas import InSchema


def _within(name: str) -> Any:
    """An optional whole number within the protocol's data-entry plausibility bounds."""
    return PROTOCOL_BOUNDS[name].pydantic_field()


class ComponentIn(InSchema):
    ingredient: str = Field(max_length=40)
    amount: Decimal
    unit: str = Field(max_length=10)


class ProductIn(InSchema):
    name: str = Field(min_length=1, max_length=200)
    kind: str = Field("brand", max_length=12)
    manufacturer: str = Field("", max_length=200)
    presentation: str = Field("", max_length=200)
    storage_notes: str = Field("", max_length=500)
    reorder_level_ml: Decimal = Decimal(0)
    components: list[ComponentIn] = Field(max_length=20)


class ComponentOut(Schema):
    ingredient: str
    amount: Decimal
    unit: str


class ProductOut(Schema):
    id: uuid.UUID
    name: str
    kind: str
    manufacturer: str
    presentation: str
    storage_notes: str
    reorder_level_ml: Decimal
    is_active: bool
    components: list[ComponentOut]


class LotIn(InSchema):
    product_id: uuid.UUID
    lot_number: str = Field(max_length=80)
    expiry_date: PlausibleDate
    supplier: str = Field("", max_length=200)
    received_on: PlausibleDate | None = None
    quantity_ml: Decimal


class LotOut(Schema):
    id: uuid.UUID
    product_id: uuid.UUID
    product_name: str
    lot_number: str
    expiry_date: dt.date
    supplier: str
    received_on: dt.date
    quantity_received_ml: Decimal
    quantity_remaining_ml: Decimal
    status: str
    status_reason: str


class AdjustIn(InSchema):
    delta_ml: Decimal
    reason: str = Field(max_length=500)


class LotStatusIn(InSchema):
    status: str = Field(max_length=12)
    reason: str = Field(max_length=500)


class StockOut(Schema):
    product_id: uuid.UUID
    product_name: str
    usable_ml: Decimal
    reorder_level_ml: Decimal
    low: bool


class ProtocolIn(InSchema):
    template_code: str = Field("", max_length=60)


class ProtocolPatch(PatchSchema):
    name: str | None = Field(None, max_length=200)
    sessions: int | None = _within("sessions")
    interval_min_days: int | None = _within("interval_min_days")
    interval_max_days: int | None = _within("interval_max_days")
    schedule_days: list[int] | None = None
    technique: str | None = Field(None, max_length=40)
    depth_min_mm: Decimal | None = None
    depth_max_mm: Decimal | None = None
    needle: str | None = Field(None, max_length=200)
    points_per_area: int | None = _within("points_per_area")
    volume_per_point_ml: Decimal | None = None
    anaesthesia: str | None = Field(None, max_length=10)
    anaesthesia_minutes: int | None = _within("anaesthesia_minutes")
    photo_views_baseline: list[str] | None = None
    photo_views_end: list[str] | None = None
    photo_views_follow_up: list[str] | None = None
    follow_up_weeks: int | None = _within("follow_up_weeks")
    maintenance_interval_days: int | None = _within("maintenance_interval_days")
    notes: str | None = Field(None, max_length=4000)


class ProtocolOut(Schema):
    id: uuid.UUID
    family: uuid.UUID
    version: int
    status: str
    template_code: str
    name: str
    indication: str
    sessions: int
    interval_min_days: int | None
    interval_max_days: int | None
    schedule_days: list[int]
    technique: str
    depth_min_mm: Decimal | None
    depth_max_mm: Decimal | None
    needle: str
    points_per_area: int | None
    volume_per_point_ml: Decimal | None
    anaesthesia: str
    anaesthesia_minutes: int | None
    photo_views_baseline: list[str]
    photo_views_end: list[str]
    photo_views_follow_up: list[str]
    follow_up_weeks: int | None
    maintenance_interval_days: int | None
    evidence_summary: str
    sources: list[str]
    configurable_fields: list[str]


class ProtocolTemplateOut(Schema):
    code: str
    name: str
    indication: str
    sessions: int
    sources: list[str]


class LimitOut(Schema):
    kind: str
    value: float
    cap_mg: float | None
    when: str
    hard: bool
    configurable: bool
    sources: list[str]
    note: str


class IngredientOut(Schema):
    code: str
    name: str
    ingredient_class: str
    unit: str
    allergy_groups: list[str]
    regulatory_note: str
    off_label: bool
    configurable: bool
    sources: list[str]
    limits: list[LimitOut]
