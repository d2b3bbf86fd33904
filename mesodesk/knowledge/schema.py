"""The schema every knowledge data file is validated against (pydantic, no Django)."""

from __future__ import annotations

import re
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
    # A product's label: it applies to a plan only when one of these ingredients is in it.
    applies_to: tuple[str, ...] = ()


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
    """A class of allergens (amide local anaesthetics, bee or wasp venom, soy)."""

    code: Code
    label: str
    patient_label: str
    names: tuple[str, ...] = ()  # how the class itself is written in allergy free text
    includes: tuple[str, ...] = ()  # narrower classes an allergy to this class also covers
    # What an allergy to one member says about the others: "class" (it rules out every
    # member, as the amide label states), or "unsourced" (the reference has no rule: a
    # relative finding the clinic configures, rule CI-ALLERGY-CLASS).
    cross_reactivity: Literal["class", "unsourced"] = "class"


class AllergenSubstance(Sourced):
    """A substance of the allergen vocabulary: its names, brands, classes and mix ingredient."""

    code: Code
    label: str
    ingredient: str = ""  # the mix ingredient this substance is, if any
    names: tuple[str, ...] = ()
    brands: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()


class AllergenProduct(Sourced):
    """A product (EMLA) that contains several substances of the vocabulary."""

    code: Code
    label: str
    names: tuple[str, ...] = ()
    brands: tuple[str, ...] = ()
    contains: tuple[str, ...]


class BodyArea(Strict):
    code: Code
    label: str
    region: Literal["face", "neck", "scalp", "body"]
    periocular: bool = False
    within: str = ""  # a larger area that contains this one (cheeks within full_face)


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


# --- Ingredients --------------------------------------------------------------------------

LimitKind = Literal[
    "mg_per_session",  # total amount per session, in mg
    "mg_per_kg",  # per kg of body weight per session, capped by cap_mg
    "ml_per_session",  # total volume of the product line per session
    "ml_per_injection",
    "injections_per_session",
    "units_per_session",  # enzyme units (hyaluronidase)
    "min_interval_days",  # between sessions
    "max_sessions",  # per course
]


class Limit(Sourced):
    """A dose or schedule limit of one ingredient; `hard` limits block, others warn."""

    kind: LimitKind
    value: float
    cap_mg: float | None = None
    when: Literal["always", "with_epinephrine", "without_epinephrine"] = "always"
    hard: bool = False

    @model_validator(mode="after")
    def _cap_for_per_kg(self) -> Limit:
        if self.kind == "mg_per_kg" and self.cap_mg is None:
            raise ValueError("a mg_per_kg limit needs cap_mg")
        if self.hard and self.configurable and not self.sources:
            raise ValueError("an unsourced limit cannot be hard")
        return self


class Ingredient(Sourced):
    code: Code
    name: str
    ingredient_class: str
    synonyms: tuple[str, ...] = ()
    allergy_groups: tuple[str, ...] = ()
    regulatory_note: str
    off_label: bool = True
    flags: tuple[Literal["not_approved_for_injection", "alcohol_or_oil_based"], ...] = ()
    limits: tuple[Limit, ...] = ()
    unit: Literal["mg", "units"] = "mg"
    common_reactions: str = ""
    do_not_mix: bool = False  # must not be diluted or mixed with other compounds
    increases_absorption_of: tuple[str, ...] = ()


# --- Indications ---------------------------------------------------------------------------


class Indication(Sourced):
    code: Code
    label: str
    patient_label: str
    areas: tuple[str, ...]
    evidence_level: Literal["RCT", "CT", "Obs", "Cons", "none"]
    evidence_summary: str
    patient_evidence: str
    approved_products: str = ""


# --- Contraindication rules ---------------------------------------------------------------


class ConditionTrigger(Strict):
    """The condition is present, optionally only in some clinical statuses or recently."""

    kind: Literal["condition"]
    code: str
    clinical_status: tuple[str, ...] = ()
    within_months: int | None = None  # onset (dated conditions) within this many months


class RemissionTrigger(Strict):
    """Cancer (or another condition) in remission for less than `months`."""

    kind: Literal["remission_within"]
    code: str
    months: int


class SiteTrigger(Strict):
    """The condition is present at one of the planned areas (or its site is not recorded)."""

    kind: Literal["condition_at_site"]
    code: str


class MedicationTrigger(Strict):
    """An active medicine of the class (or one stopped within `within_months`)."""

    kind: Literal["medication_class"]
    code: str
    min_count: int = 1
    within_months: int | None = None


class AllergyToIngredientTrigger(Strict):
    """An allergy to a planned ingredient, by name, synonym or allergy group."""

    kind: Literal["allergy_to_ingredient"]


class AllergyGroupTrigger(Strict):
    """An allergy recorded against this group (e.g. bee/wasp venom for hyaluronidase)."""

    kind: Literal["allergy_group"]
    code: str


class AllergyClassMemberTrigger(Strict):
    """A planned ingredient shares a class with an allergen whose class cross-reactivity the
    reference leaves unsourced (an allergy to ibuprofen, ketoprofen in the mix)."""

    kind: Literal["allergy_class_member"]


class AllergyUnrecognisedTrigger(Strict):
    """An allergy whose text the allergen vocabulary does not recognise."""

    kind: Literal["allergy_unrecognised"]


class AgeTrigger(Strict):
    kind: Literal["age_below"]
    years: int


class AreaTrigger(Strict):
    """A scoped ingredient planned outside `allowed_areas` (label-restricted products)."""

    kind: Literal["area_outside"]
    allowed_areas: tuple[str, ...]


class IngredientFlagTrigger(Strict):
    kind: Literal["ingredient_flag"]
    flag: str


Trigger = (
    ConditionTrigger
    | RemissionTrigger
    | SiteTrigger
    | MedicationTrigger
    | AllergyToIngredientTrigger
    | AllergyGroupTrigger
    | AllergyClassMemberTrigger
    | AllergyUnrecognisedTrigger
    | AgeTrigger
    | AreaTrigger
    | IngredientFlagTrigger
)


class RuleScope(Strict):
    """Where a rule applies; an empty list means everywhere."""

    indications: tuple[str, ...] = ()
    areas: tuple[str, ...] = ()
    ingredients: tuple[str, ...] = ()
    sexes: tuple[Literal["female", "male", "other", "unknown"], ...] = ()


class Rule(Sourced):
    id: str = Field(pattern=r"^[A-Z][A-Z0-9-]+$")
    title: str
    severity: Literal["absolute", "relative"]
    overridable: bool = True
    trigger: Trigger = Field(discriminator="kind")
    scope: RuleScope = RuleScope()
    explanation: str
    resolution: str
    requires_answer: bool = True
    topic: str = ""  # rules about the same fact; their findings are merged into one

    def rendered(self, text: str) -> str:
        """A text of the rule with its {parameters} (as the clinic set them) filled in."""
        params = self.trigger.model_dump()
        return _PARAM.sub(lambda m: str(params.get(m[1], m[0])), text)

    @property
    def shown_title(self) -> str:
        return self.rendered(self.title)

    @property
    def shown_explanation(self) -> str:
        return self.rendered(self.explanation)

    @property
    def shown_resolution(self) -> str:
        return self.rendered(self.resolution)


# The trigger parameters a rule's texts may quote, as {months}, {years}, …
_PARAM = re.compile(r"\{(months|years|within_months|min_count)\}")


def rule_parameters(text: str) -> list[str]:
    """The parameters a rule text quotes."""
    return _PARAM.findall(text)


# --- Aftercare and adverse events ----------------------------------------------------------


class AftercareItem(Sourced):
    code: Code
    kind: Literal["avoid", "expect", "warning", "care"]
    text: str
    hours: int | None = None
    range_note: str = ""
    regions: tuple[str, ...] = ()  # face/neck/scalp/body; empty = all
    areas: tuple[str, ...] = ()
    ingredients: tuple[str, ...] = ()
    periocular_hours: int | None = None


class AdverseEventTerm(Sourced):
    code: Code
    label: str
    category: Literal["common", "serious", "delayed"]
    frequency: str = ""
    course: str = ""
    serious_by_default: bool = False
    ingredients: tuple[str, ...] = ()  # specific to these ingredients; empty = any mix
    patient_text: str = ""  # how consent and aftercare documents name the risk


class SeverityGrade(Sourced):
    grade: int = Field(ge=1, le=5)
    label: str
    definition: str


class Setting(Sourced):
    key: str
    label: str
    value: int = Field(ge=0)


class Bound(Sourced):
    """The range a typed number must fall in (pages, API and services share it)."""

    key: str
    label: str
    low: float
    high: float
    whole: bool = True
    unit: str = ""

    @model_validator(mode="after")
    def _ordered(self) -> Bound:
        if self.high < self.low:
            raise ValueError("high is below low")
        return self


# --- Techniques, photo views and published protocols ----------------------------------------


class Technique(Sourced):
    code: Code
    label: str
    depth_min_mm: float | None = None
    depth_max_mm: float | None = None
    needle: str = ""
    spacing: str = ""


class PhotoView(Strict):
    code: Code
    label: str
    regions: tuple[Literal["face", "neck", "scalp", "body"], ...]


class ProtocolTemplate(Sourced):
    """A protocol as a published study or label used it; clinics clone and adapt it."""

    code: Code
    name: str
    indication: str
    sessions: int = Field(ge=1, le=60)
    interval_min_days: int | None = Field(default=None, ge=1)
    interval_max_days: int | None = Field(default=None, ge=1)
    schedule_days: tuple[int, ...] = ()  # fixed days from the first session (day 0)
    technique: str = ""
    depth_min_mm: float | None = None
    depth_max_mm: float | None = None
    needle: str = ""
    points_per_area: int | None = None
    volume_per_point_ml: float | None = None
    anaesthesia: Literal["none", "topical"] = "none"
    photo_views_baseline: tuple[str, ...] = ()
    photo_views_end: tuple[str, ...] = ()
    photo_views_follow_up: tuple[str, ...] = ()
    follow_up_weeks: int | None = None
    maintenance_interval_days: int | None = None
    evidence_summary: str
    configurable_fields: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _interval_or_schedule(self) -> ProtocolTemplate:
        if self.schedule_days:
            if (
                len(self.schedule_days) != self.sessions
                or list(self.schedule_days) != sorted(set(self.schedule_days))
                or self.schedule_days[0] != 0
            ):
                raise ValueError("schedule_days must start at 0, rise, and name every session")
        elif self.sessions > 1 and self.interval_min_days is None:
            raise ValueError(
                "a course of several sessions needs interval_min_days or schedule_days"
            )
        if (
            self.interval_min_days
            and self.interval_max_days
            and self.interval_max_days < self.interval_min_days
        ):
            raise ValueError("interval_max_days is below interval_min_days")
        return self


class PatientText(Sourced):
    """A sentence patients read, with {placeholders} the code fills in."""

    key: str = Field(pattern=r"^[a-z][a-z0-9_]*(\.[A-Za-z0-9_]+)?$")
    text: str


class Antiseptic(Sourced):
    code: Code
    label: str
