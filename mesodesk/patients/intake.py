"""The intake questionnaire's answers and how they become proposed history facts.

Pure Python over the knowledge base: the page builds `IntakeAnswers`; review turns them into
`ProposedFact`s the practitioner accepts one by one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from mesodesk.knowledge.loader import knowledge
from mesodesk.patients.fields import HEIGHT_CM, WEIGHT_KG

MAX_ITEMS = 20
Answer = Literal["yes", "no", "unsure"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ConditionAnswer(_Strict):
    answer: Answer
    detail: str = Field(default="", max_length=500)
    date: dt.date | None = None
    in_remission: bool = False
    site: str = Field(default="", max_length=40)

    @field_validator("site")
    @classmethod
    def _known_site(cls, value: str) -> str:
        if value and value not in knowledge().body_areas:
            raise ValueError("unknown body area")
        return value


class MedicationAnswer(_Strict):
    name: str = Field(min_length=1, max_length=200)
    medication_class: str = "other"
    dose: str = Field(default="", max_length=200)

    @field_validator("medication_class")
    @classmethod
    def _known_class(cls, value: str) -> str:
        if value not in knowledge().medication_classes:
            raise ValueError("unknown medication class")
        return value


class AllergyAnswer(_Strict):
    substance: str = Field(default="", max_length=200)
    allergy_group: str = Field(default="", max_length=40)
    reaction: str = Field(default="", max_length=500)
    severity: Literal["mild", "moderate", "severe", "unknown"] = "unknown"

    @model_validator(mode="after")
    def _names_something(self) -> AllergyAnswer:
        if not self.substance and not self.allergy_group:
            raise ValueError("name the substance or pick a group")
        if self.allergy_group and self.allergy_group not in knowledge().allergy_groups:
            raise ValueError("unknown allergy group")
        return self


class IntakeAnswers(_Strict):
    conditions: dict[str, ConditionAnswer]
    medications: list[MedicationAnswer] = Field(default_factory=list, max_length=MAX_ITEMS)
    no_medications: bool = False
    allergies: list[AllergyAnswer] = Field(default_factory=list, max_length=MAX_ITEMS)
    no_allergies: bool = False
    weight_kg: Decimal | None = WEIGHT_KG.pydantic_field()
    height_cm: Decimal | None = HEIGHT_CM.pydantic_field()
    concerns: str = Field(default="", max_length=2000)
    target_areas: list[str] = Field(default_factory=list)
    other_health: str = Field(default="", max_length=2000)

    @model_validator(mode="after")
    def _complete(self) -> IntakeAnswers:
        expected = intake_condition_codes()
        missing = [code for code in expected if code not in self.conditions]
        extra = [code for code in self.conditions if code not in expected]
        if missing or extra:
            raise ValueError(f"unanswered: {missing}; unexpected: {extra}")
        unknown = [a for a in self.target_areas if a not in knowledge().body_areas]
        if unknown:
            raise ValueError(f"unknown target areas: {unknown}")
        return self


def intake_condition_codes() -> list[str]:
    return [code for code, c in knowledge().conditions.items() if c.intake]


@dataclass(frozen=True)
class ProposedFact:
    """One fact the intake proposes for the history; `key` identifies it on the review form."""

    key: str
    kind: Literal["condition", "medication", "allergy", "review", "measurement", "profile"]
    description: str
    data: dict[str, Any] = field(default_factory=dict)


def _condition_description(code: str, answer: ConditionAnswer) -> str:
    label = knowledge().conditions[code].label
    if answer.answer == "no":
        return f"{label}: no"
    if answer.answer == "unsure":
        return f"{label}: not sure" + (f" — {answer.detail}" if answer.detail else "")
    parts = [f"{label}: yes"]
    if answer.date:
        parts.append(f"date {answer.date.isoformat()}")
    if answer.in_remission:
        parts.append("in remission")
    if answer.site:
        parts.append(f"at {knowledge().body_areas[answer.site].label.lower()}")
    if answer.detail:
        parts.append(answer.detail)
    return " — ".join(parts)


def proposed_facts(answers: IntakeAnswers) -> list[ProposedFact]:
    """Every fact in the answers, in questionnaire order, ready for review."""
    facts: list[ProposedFact] = []
    for code, answer in answers.conditions.items():
        facts.append(
            ProposedFact(
                key=f"condition:{code}",
                kind="condition",
                description=_condition_description(code, answer),
                data={"code": code, **answer.model_dump(mode="json")},
            )
        )
    if answers.other_health:
        facts.append(
            ProposedFact(
                key="condition:other",
                kind="condition",
                description=f"Other: {answers.other_health}",
                data={"code": "other", "answer": "yes", "detail": answers.other_health},
            )
        )
    for index, med in enumerate(answers.medications):
        label = knowledge().medication_classes[med.medication_class].label
        facts.append(
            ProposedFact(
                key=f"medication:{index}",
                kind="medication",
                description=f"{med.name} ({label})" + (f", {med.dose}" if med.dose else ""),
                data=med.model_dump(mode="json"),
            )
        )
    for index, allergy in enumerate(answers.allergies):
        name = allergy.substance or knowledge().allergy_groups[allergy.allergy_group].label
        facts.append(
            ProposedFact(
                key=f"allergy:{index}",
                kind="allergy",
                description=f"Allergy: {name}"
                + (f" — {allergy.reaction}" if allergy.reaction else "")
                + (f" ({allergy.severity})" if allergy.severity != "unknown" else ""),
                data=allergy.model_dump(mode="json"),
            )
        )
    facts.append(
        ProposedFact(
            key="review:medications",
            kind="review",
            description="Medicine list complete: "
            + (
                "takes no medicines"
                if answers.no_medications
                else f"{len(answers.medications)} listed"
            ),
            data={"which": "medications"},
        )
    )
    facts.append(
        ProposedFact(
            key="review:allergies",
            kind="review",
            description="Allergy list complete: "
            + (
                "no known allergies" if answers.no_allergies else f"{len(answers.allergies)} listed"
            ),
            data={"which": "allergies"},
        )
    )
    if answers.weight_kg is not None or answers.height_cm is not None:
        facts.append(
            ProposedFact(
                key="measurement",
                kind="measurement",
                description="Weight "
                + (f"{answers.weight_kg} kg" if answers.weight_kg is not None else "not given")
                + ", height "
                + (f"{answers.height_cm} cm" if answers.height_cm is not None else "not given"),
                data={
                    "weight_kg": str(answers.weight_kg) if answers.weight_kg is not None else None,
                    "height_cm": str(answers.height_cm) if answers.height_cm is not None else None,
                },
            )
        )
    if answers.concerns or answers.target_areas:
        areas = ", ".join(knowledge().body_areas[a].label for a in answers.target_areas)
        facts.append(
            ProposedFact(
                key="profile",
                kind="profile",
                description=f"Concerns: {answers.concerns or '—'}; areas: {areas or '—'}",
                data={"concerns": answers.concerns, "target_areas": answers.target_areas},
            )
        )
    return facts
