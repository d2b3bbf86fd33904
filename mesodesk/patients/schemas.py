"""API shapes of the patient record."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Literal

from ninja import Field, Schema

from mesodesk.core.api import PatchSchema
from mesodesk.core.dates import PlausibleDate

Sex = Literal["female", "male", "other", "unknown"]
Fitz = Literal["I", "II", "III", "IV", "V", "VI", ""]
Glogau = Literal["I", "II", "III", "IV", ""]
Verification = Literal["confirmed", "unconfirmed", "refuted", "entered-in-error"]


class ClinicalProfileOut(Schema):
    weight_kg: Decimal | None
    height_cm: Decimal | None
    measured_on: dt.date | None
    fitzpatrick: str
    glogau: str
    concerns: str
    target_areas: list[str]


class PatientOut(Schema):
    id: uuid.UUID
    given_name: str
    family_name: str
    date_of_birth: dt.date
    sex: str
    email: str
    phone: str
    address: str
    emergency_contact_name: str
    emergency_contact_phone: str
    emergency_contact_relationship: str
    created_at: dt.datetime
    updated_at: dt.datetime
    clinical: ClinicalProfileOut | None = None


class PatientListItem(Schema):
    id: uuid.UUID
    given_name: str
    family_name: str
    date_of_birth: dt.date
    sex: str
    phone: str
    email: str


class PatientPageOut(Schema):
    items: list[PatientListItem]
    page: int
    has_next: bool


class _PatientFields(Schema):
    sex: Sex = "unknown"
    email: str = Field("", max_length=254)
    phone: str = Field("", max_length=32)
    address: str = Field("", max_length=500)
    emergency_contact_name: str = Field("", max_length=200)
    emergency_contact_phone: str = Field("", max_length=32)
    emergency_contact_relationship: str = Field("", max_length=100)
    weight_kg: Decimal | None = None
    height_cm: Decimal | None = None
    measured_on: PlausibleDate | None = None
    fitzpatrick: Fitz = ""
    glogau: Glogau = ""
    concerns: str = Field("", max_length=2000)
    target_areas: list[str] = Field(default_factory=list, max_length=30)


class PatientIn(_PatientFields):
    given_name: str = Field(min_length=1, max_length=100)
    family_name: str = Field(min_length=1, max_length=100)
    date_of_birth: PlausibleDate


class PatientPatch(PatchSchema):
    given_name: str | None = Field(None, min_length=1, max_length=100)
    family_name: str | None = Field(None, min_length=1, max_length=100)
    date_of_birth: PlausibleDate | None = None
    sex: Sex | None = None
    email: str | None = Field(None, max_length=254)
    phone: str | None = Field(None, max_length=32)
    address: str | None = Field(None, max_length=500)
    emergency_contact_name: str | None = Field(None, max_length=200)
    emergency_contact_phone: str | None = Field(None, max_length=32)
    emergency_contact_relationship: str | None = Field(None, max_length=100)
    weight_kg: Decimal | None = None
    height_cm: Decimal | None = None
    measured_on: PlausibleDate | None = None
    fitzpatrick: Fitz | None = None
    glogau: Glogau | None = None
    concerns: str | None = Field(None, max_length=2000)
    target_areas: list[str] | None = Field(None, max_length=30)


class _Fact(Schema):
    asserted_on: dt.date
    source: str
    confirmed_by: str | None
    confirmed_at: dt.datetime | None
    note: str

    @staticmethod
    def resolve_confirmed_by(obj: object) -> str | None:
        user = getattr(obj, "confirmed_by", None)
        return user.email if user is not None else None


class ConditionOut(_Fact):
    id: uuid.UUID
    code: str
    verification_status: str
    clinical_status: str
    onset_date: dt.date | None
    abatement_date: dt.date | None
    expected_date: dt.date | None
    body_site: str
    other_text: str


class ConditionIn(Schema):
    code: str = Field(max_length=40)
    verification_status: Verification = "confirmed"
    clinical_status: Literal["active", "remission", "resolved", "inactive"] = "active"
    onset_date: PlausibleDate | None = None
    abatement_date: PlausibleDate | None = None
    expected_date: PlausibleDate | None = None
    body_site: str = Field("", max_length=40)
    other_text: str = Field("", max_length=200)
    asserted_on: PlausibleDate | None = None
    note: str = Field("", max_length=2000)


class ConditionPatch(PatchSchema):
    verification_status: Verification | None = None
    clinical_status: Literal["active", "remission", "resolved", "inactive"] | None = None
    onset_date: PlausibleDate | None = None
    abatement_date: PlausibleDate | None = None
    expected_date: PlausibleDate | None = None
    body_site: str | None = Field(None, max_length=40)
    other_text: str | None = Field(None, max_length=200)
    asserted_on: PlausibleDate | None = None
    note: str | None = Field(None, max_length=2000)


class MedicationOut(_Fact):
    id: uuid.UUID
    name: str
    medication_class: str
    status: str
    dose: str
    started_on: dt.date | None
    stopped_on: dt.date | None


class MedicationIn(Schema):
    name: str = Field(min_length=1, max_length=200)
    medication_class: str = Field(max_length=40)
    status: Literal["active", "stopped", "entered-in-error"] = "active"
    dose: str = Field("", max_length=200)
    started_on: PlausibleDate | None = None
    stopped_on: PlausibleDate | None = None
    asserted_on: PlausibleDate | None = None
    note: str = Field("", max_length=2000)


class MedicationPatch(PatchSchema):
    name: str | None = Field(None, min_length=1, max_length=200)
    medication_class: str | None = Field(None, max_length=40)
    status: Literal["active", "stopped", "entered-in-error"] | None = None
    dose: str | None = Field(None, max_length=200)
    started_on: PlausibleDate | None = None
    stopped_on: PlausibleDate | None = None
    asserted_on: PlausibleDate | None = None
    note: str | None = Field(None, max_length=2000)


class AllergyOut(_Fact):
    id: uuid.UUID
    substance: str
    allergy_group: str
    reaction: str
    severity: str
    verification_status: str


class AllergyIn(Schema):
    substance: str = Field("", max_length=200)
    allergy_group: str = Field("", max_length=40)
    reaction: str = Field("", max_length=500)
    severity: Literal["mild", "moderate", "severe", "unknown"] = "unknown"
    verification_status: Verification = "confirmed"
    asserted_on: PlausibleDate | None = None
    note: str = Field("", max_length=2000)


class AllergyPatch(PatchSchema):
    substance: str | None = Field(None, max_length=200)
    allergy_group: str | None = Field(None, max_length=40)
    reaction: str | None = Field(None, max_length=500)
    severity: Literal["mild", "moderate", "severe", "unknown"] | None = None
    verification_status: Verification | None = None
    asserted_on: PlausibleDate | None = None
    note: str | None = Field(None, max_length=2000)


class HistoryOut(Schema):
    conditions: list[ConditionOut]
    medications: list[MedicationOut]
    allergies: list[AllergyOut]


class IntakeLinkIn(Schema):
    send_to: str = Field("", max_length=254)
    ttl_hours: int | None = None


class IntakeLinkOut(Schema):
    id: uuid.UUID
    patient_id: uuid.UUID
    created_at: dt.datetime
    expires_at: dt.datetime
    sent_to: str
    used_at: dt.datetime | None
    revoked_at: dt.datetime | None


class IssuedLinkOut(IntakeLinkOut):
    url: str


class ProposedFactOut(Schema):
    key: str
    kind: str
    description: str


class IntakeOut(Schema):
    id: uuid.UUID
    patient_id: uuid.UUID
    status: str
    created_at: dt.datetime
    reviewed_at: dt.datetime | None
    facts: list[ProposedFactOut] = []


class IntakeAcceptIn(Schema):
    facts: list[str]


class IntakeRejectIn(Schema):
    reason: str = Field(max_length=2000)
