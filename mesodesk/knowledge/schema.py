"""The schema every knowledge data file is validated against (pydantic, no Django)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Code = str


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(Strict):
    id: str = Field(pattern=r"^S\d+$")
    citation: str
    urls: tuple[str, ...] = ()
    quality: Literal["A", "B", "C"]
    quality_note: str = ""


class Sourced(Strict):
    """An entry that carries clinical meaning: it cites sources or is marked configurable."""

    sources: tuple[str, ...] = ()
    configurable: bool = False
    note: str = ""

    @model_validator(mode="after")
    def _sourced_or_configurable(self) -> Sourced:
        if not self.sources and not self.configurable:
            raise ValueError("cites no source and is not marked configurable")
        return self


class Condition(Sourced):
    code: Code
    label: str
    patient_question: str
    patient_help: str = ""
    kind: Literal["boolean", "pregnancy", "cancer", "site", "dated", "other"]
    time_sensitive: bool = False
    stale_after_days: int | None = Field(default=None, ge=0)
    intake: bool = True

    @model_validator(mode="after")
    def _stale_period(self) -> Condition:
        if self.time_sensitive and self.stale_after_days is None:
            raise ValueError("a time-sensitive condition needs stale_after_days")
        return self


class MedicationClass(Strict):
    code: Code
    label: str
    patient_label: str
    sources: tuple[str, ...] = ()
    configurable: bool = False
    note: str = ""


class AllergyGroup(Sourced):
    code: Code
    label: str
    patient_label: str


class BodyArea(Strict):
    code: Code
    label: str
    region: Literal["face", "neck", "scalp", "body"]
    periocular: bool = False


class ScaleLevel(Strict):
    value: str
    label: str
    definition: str
    score: float | None = None


class Scale(Sourced):
    code: Code
    name: str
    kind: Literal["classification", "ordinal", "continuous", "composite"]
    levels: tuple[ScaleLevel, ...] = ()
    unit: str = ""
    minimum: float | None = None
    maximum: float | None = None
    lower_is_better: bool | None = None


class Meta(Strict):
    version: str
    reference: str
