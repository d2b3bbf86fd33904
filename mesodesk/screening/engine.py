"""The contraindication screening engine: pure Python, no Django.

`screen(facts, plan, rules, on)` reads a snapshot of the patient's facts and a planned
treatment against a compiled rule set and returns a verdict with explained, sourced findings.
It is deterministic: the same input gives the same output whatever the order of the facts.

Unknowns are never silent: a required answer that is missing or unconfirmed becomes a finding
with the severity of the strictest rule that needs it; one older than its re-confirmation
period becomes a caution to confirm it again.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

ENGINE_VERSION = "screening-1.0"

Severity = Literal["absolute", "relative"]
Verdict = Literal["eligible", "caution", "contraindicated"]
FindingKind = Literal["triggered", "missing", "stale", "unconfirmed"]
MEDICATIONS = "medications"
ALLERGIES = "allergies"


# --- Input ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ConditionFact:
    code: str
    status: Literal["present", "absent", "unsure"]
    asserted_on: dt.date
    clinical_status: str = "active"
    onset_date: dt.date | None = None
    abatement_date: dt.date | None = None
    body_site: str = ""
    detail: str = ""


@dataclass(frozen=True, slots=True)
class MedicationFact:
    name: str
    medication_class: str
    active: bool
    asserted_on: dt.date
    stopped_on: dt.date | None = None


@dataclass(frozen=True, slots=True)
class AllergyFact:
    substance: str
    group: str
    asserted_on: dt.date


@dataclass(frozen=True, slots=True)
class PatientFacts:
    date_of_birth: dt.date
    sex: str = "unknown"
    weight_kg: Decimal | None = None
    conditions: tuple[ConditionFact, ...] = ()
    medications: tuple[MedicationFact, ...] = ()
    allergies: tuple[AllergyFact, ...] = ()
    medications_reviewed_on: dt.date | None = None
    allergies_reviewed_on: dt.date | None = None


@dataclass(frozen=True, slots=True)
class PlannedTreatment:
    """What is planned; an empty plan screens the patient for mesotherapy in general."""

    indication: str = ""
    areas: tuple[str, ...] = ()
    ingredients: tuple[str, ...] = ()


# --- Rules ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SourceRef:
    id: str
    citation: str
    quality: str
    url: str = ""


@dataclass(frozen=True, slots=True)
class Trigger:
    kind: str
    code: str = ""
    clinical_status: frozenset[str] = frozenset()
    within_months: int | None = None
    months: int = 0
    min_count: int = 1
    years: int = 0
    allowed_areas: frozenset[str] = frozenset()
    flag: str = ""


@dataclass(frozen=True, slots=True)
class Scope:
    indications: frozenset[str] = frozenset()
    areas: frozenset[str] = frozenset()
    ingredients: frozenset[str] = frozenset()
    sexes: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class EngineRule:
    id: str
    title: str
    severity: Severity
    overridable: bool
    trigger: Trigger
    explanation: str
    resolution: str
    sources: tuple[SourceRef, ...] = ()
    scope: Scope = Scope()
    requires_answer: bool = True


@dataclass(frozen=True, slots=True)
class IngredientInfo:
    code: str
    name: str
    names: tuple[str, ...]  # lower-case name, code and synonyms, for matching allergy text
    groups: frozenset[str] = frozenset()
    flags: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class _QuestionMeta:
    """What a group of rules needing the same answer amounts to."""

    rule_ids: tuple[str, ...]
    severity: Severity
    explanation: str
    resolution: str
    sources: tuple[SourceRef, ...]
    overridable: bool


@dataclass(frozen=True)
class RuleSet:
    """Everything the engine needs from the knowledge base, compiled once per version."""

    version: str
    rules: tuple[EngineRule, ...]
    ingredients: Mapping[str, IngredientInfo]
    condition_labels: Mapping[str, str]
    stale_after_days: Mapping[str, int]  # condition code or "medications" → days
    group_labels: Mapping[str, str] = field(default_factory=dict)
    area_parents: Mapping[str, str] = field(default_factory=dict)  # "cheeks" → "full_face"
    # Memos filled as screenings run: which rules apply to a (plan, sex), and what a group of
    # rules needing the same answer amounts to. Derived from the fields above, never compared.
    _applicable: dict[tuple[object, ...], tuple[EngineRule, ...]] = field(
        default_factory=dict, compare=False, repr=False
    )
    _question_meta: dict[tuple[str, ...], _QuestionMeta] = field(
        default_factory=dict, compare=False, repr=False
    )
    _substances: dict[str, tuple[frozenset[str], frozenset[str]]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def substance_matches(self, substance: str) -> tuple[frozenset[str], frozenset[str]]:
        """(ingredient codes, their allergy groups) an allergy's free text names."""
        found = self._substances.get(substance)
        if found is None:
            text = _words(substance)
            infos = [
                i for i in self.ingredients.values() if any(f" {name} " in text for name in i.names)
            ]
            found = (
                frozenset(i.code for i in infos),
                frozenset(g for i in infos for g in i.groups),
            )
            if len(self._substances) < 4096:
                self._substances[substance] = found
        return found

    def applicable(self, plan: PlannedTreatment, sex: str) -> tuple[EngineRule, ...]:
        key = (plan.indication, frozenset(plan.areas), frozenset(plan.ingredients), sex)
        found = self._applicable.get(key)
        if found is None:
            found = tuple(rule for rule in self.rules if _in_scope(rule, plan, sex))
            if len(self._applicable) < 4096:
                self._applicable[key] = found
        return found


# --- Output ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Finding:
    rule_ids: tuple[str, ...]
    kind: FindingKind
    severity: Severity
    title: str
    facts: tuple[str, ...]
    explanation: str
    resolution: str
    sources: tuple[SourceRef, ...]
    overridable: bool
    question: str = ""


@dataclass(frozen=True, slots=True)
class ScreeningResult:
    verdict: Verdict
    findings: tuple[Finding, ...]
    engine_version: str
    rules_version: str


# --- Evaluation -----------------------------------------------------------------------------

_CLEAR = None
_STATUS_RANK = {"absent": 0, "unsure": 1, "present": 2}


@dataclass(frozen=True, slots=True)
class _Hit:
    facts: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Unknown:
    question: str
    kind: FindingKind
    fact: str


def age_on(born: dt.date, on: dt.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _months_before(on: dt.date, months: int) -> dt.date:
    """The same day `months` calendar months earlier (the month's last day if shorter)."""
    year, month_zero = divmod(on.year * 12 + on.month - 1 - months, 12)
    last_day = calendar.monthrange(year, month_zero + 1)[1]
    return dt.date(year, month_zero + 1, min(on.day, last_day))


_WORD = re.compile(r"[a-z0-9]+")


def _words(text: str) -> str:
    return " " + " ".join(_WORD.findall(text.lower())) + " "


class _Context:
    """The per-screening view of the facts, indexed once."""

    __slots__ = (
        "allergy_list",
        "areas",
        "conditions",
        "facts",
        "ingredients",
        "med_review",
        "med_stale",
        "meds_by_class",
        "on",
        "rules",
    )

    def __init__(
        self, facts: PatientFacts, plan: PlannedTreatment, rules: RuleSet, on: dt.date
    ) -> None:
        self.facts = facts
        self.rules = rules
        self.on = on
        latest: dict[str, ConditionFact] = {}
        for fact in facts.conditions:
            kept = latest.get(fact.code)
            # The newest statement of a condition counts; on the same day, the more cautious.
            if kept is None or (fact.asserted_on, _STATUS_RANK[fact.status]) > (
                kept.asserted_on,
                _STATUS_RANK[kept.status],
            ):
                latest[fact.code] = fact
        self.conditions = latest
        self.areas = frozenset(plan.areas)
        self.ingredients = [
            rules.ingredients[c] for c in sorted(set(plan.ingredients)) if c in rules.ingredients
        ]
        by_class: dict[str, list[MedicationFact]] = {}
        for med in facts.medications:
            by_class.setdefault(med.medication_class, []).append(med)
        self.meds_by_class = by_class
        dates = [m.asserted_on for m in facts.medications]
        if facts.medications_reviewed_on is not None:
            dates.append(facts.medications_reviewed_on)
        self.med_review = max(dates) if dates else None
        self.med_stale = self.med_review is not None and self.is_stale(self.med_review, MEDICATIONS)
        self.allergy_list = facts.allergies

    def is_stale(self, asserted_on: dt.date, key: str) -> bool:
        days = self.rules.stale_after_days.get(key)
        return days is not None and (self.on - asserted_on).days > days

    def label(self, code: str) -> str:
        return self.rules.condition_labels.get(code, code)

    def overlaps(self, site: str) -> bool:
        parents = self.rules.area_parents
        for area in self.areas:
            if area == site or parents.get(site) == area or parents.get(area) == site:
                return True
        return False


def _condition_state(ctx: _Context, code: str) -> ConditionFact | _Unknown | None:
    fact = ctx.conditions.get(code)
    if fact is None:
        return _Unknown(f"condition:{code}", "missing", f"{ctx.label(code)}: not answered")
    if fact.status == "unsure":
        return _Unknown(
            f"condition:{code}",
            "unconfirmed",
            f"{ctx.label(code)}: not confirmed (checked {fact.asserted_on})",
        )
    if fact.status == "absent":
        if ctx.is_stale(fact.asserted_on, code):
            return _Unknown(
                f"condition:{code}",
                "stale",
                f"{ctx.label(code)}: absent when last checked on {fact.asserted_on}",
            )
        return None
    return fact


def _describe(ctx: _Context, fact: ConditionFact) -> str:
    parts = [f"{ctx.label(fact.code)}: present (checked {fact.asserted_on})"]
    if fact.clinical_status != "active":
        parts.append(fact.clinical_status)
    if fact.onset_date:
        parts.append(f"since {fact.onset_date}")
    if fact.abatement_date:
        parts.append(f"remission {fact.abatement_date}")
    if fact.body_site:
        parts.append(f"at {fact.body_site}")
    return ", ".join(parts)


def _eval_condition(ctx: _Context, t: Trigger) -> _Hit | _Unknown | None:
    state = _condition_state(ctx, t.code)
    if not isinstance(state, ConditionFact):
        return state
    if t.clinical_status and state.clinical_status not in t.clinical_status:
        return _CLEAR
    if (
        t.within_months is not None
        and state.onset_date is not None
        and state.onset_date < _months_before(ctx.on, t.within_months)
    ):
        return _CLEAR
    return _Hit((_describe(ctx, state),))


def _eval_remission(ctx: _Context, t: Trigger) -> _Hit | None:
    fact = ctx.conditions.get(t.code)
    if fact is None or fact.status != "present" or fact.clinical_status != "remission":
        return _CLEAR
    if fact.abatement_date is not None and fact.abatement_date < _months_before(ctx.on, t.months):
        return _CLEAR
    return _Hit((_describe(ctx, fact),))


def _eval_site(ctx: _Context, t: Trigger) -> _Hit | _Unknown | None:
    state = _condition_state(ctx, t.code)
    if not isinstance(state, ConditionFact):
        return state
    if state.body_site and ctx.areas and not ctx.overlaps(state.body_site):
        return _CLEAR
    return _Hit((_describe(ctx, state),))


def _describe_medication(med: MedicationFact) -> str:
    state = "taking" if med.active else f"stopped {med.stopped_on}"
    return f"{med.name} ({med.medication_class}, {state})"


def _eval_medication(ctx: _Context, t: Trigger) -> _Hit | _Unknown | None:
    if ctx.med_review is None:
        return _Unknown(MEDICATIONS, "missing", "Current medicines: not answered")
    since = _months_before(ctx.on, t.within_months) if t.within_months is not None else None
    matching = [
        m
        for m in ctx.meds_by_class.get(t.code, ())
        if m.active or (since is not None and m.stopped_on is not None and m.stopped_on >= since)
    ]
    if len(matching) >= t.min_count:
        return _Hit(tuple(sorted(_describe_medication(m) for m in matching)))
    if ctx.med_stale:
        return _Unknown(
            MEDICATIONS, "stale", f"Current medicines: last reviewed on {ctx.med_review}"
        )
    return _CLEAR


def _allergy_codes(ctx: _Context, allergy: AllergyFact) -> tuple[frozenset[str], frozenset[str]]:
    """(ingredient codes, allergy groups) an allergy record rules out."""
    codes, groups = (
        ctx.rules.substance_matches(allergy.substance)
        if allergy.substance
        else (frozenset(), frozenset())
    )
    return codes, (groups | {allergy.group}) if allergy.group else groups


def _eval_allergy_ingredient(ctx: _Context, t: Trigger) -> _Hit | _Unknown | None:
    if not ctx.allergy_list and ctx.facts.allergies_reviewed_on is None:
        return _Unknown(ALLERGIES, "missing", "Allergies: not answered")
    hits: list[str] = []
    for allergy in ctx.allergy_list:
        codes, groups = _allergy_codes(ctx, allergy)
        for info in ctx.ingredients:
            if info.code in codes or info.groups & groups:
                what = allergy.substance or ctx.rules.group_labels.get(allergy.group, allergy.group)
                hits.append(f"Allergy to {what} → {info.name} in the planned mix")
    return _Hit(tuple(sorted(set(hits)))) if hits else _CLEAR


def _eval_allergy_group(ctx: _Context, t: Trigger) -> _Hit | None:
    hits = sorted(
        f"Allergy: {ctx.rules.group_labels.get(a.group, a.group)}"
        + (f" ({a.substance})" if a.substance else "")
        for a in ctx.allergy_list
        if a.group == t.code
    )
    return _Hit(tuple(hits)) if hits else _CLEAR


def _eval_age(ctx: _Context, t: Trigger) -> _Hit | None:
    age = age_on(ctx.facts.date_of_birth, ctx.on)
    return _Hit((f"Age {age} on {ctx.on}",)) if age < t.years else _CLEAR


def _eval_area(ctx: _Context, t: Trigger) -> _Hit | None:
    outside = sorted(ctx.areas - t.allowed_areas)
    return (
        _Hit((f"Planned areas outside {', '.join(sorted(t.allowed_areas))}: {', '.join(outside)}",))
        if outside
        else _CLEAR
    )


def _eval_flag(ctx: _Context, t: Trigger) -> _Hit | None:
    flagged = sorted(info.name for info in ctx.ingredients if t.flag in info.flags)
    return (
        _Hit(tuple(f"{name}: {t.flag.replace('_', ' ')}" for name in flagged))
        if flagged
        else _CLEAR
    )


_EVALUATORS = {
    "condition": _eval_condition,
    "remission_within": _eval_remission,
    "condition_at_site": _eval_site,
    "medication_class": _eval_medication,
    "allergy_to_ingredient": _eval_allergy_ingredient,
    "allergy_group": _eval_allergy_group,
    "age_below": _eval_age,
    "area_outside": _eval_area,
    "ingredient_flag": _eval_flag,
}


def _in_scope(rule: EngineRule, plan: PlannedTreatment, sex: str) -> bool:
    scope = rule.scope
    if scope.indications and plan.indication not in scope.indications:
        return False
    if scope.ingredients and scope.ingredients.isdisjoint(plan.ingredients):
        return False
    if scope.areas and scope.areas.isdisjoint(plan.areas):
        return False
    return not (scope.sexes and sex not in scope.sexes)


_KIND_ORDER = {"triggered": 0, "unconfirmed": 1, "stale": 2, "missing": 3}
_QUESTION_TEXT = {
    "missing": "The answer is needed before treatment.",
    "unconfirmed": "The patient was not sure; the answer must be confirmed.",
    "stale": "The answer is too old for a time-sensitive fact and must be confirmed again.",
}


def screen(
    facts: PatientFacts, plan: PlannedTreatment, rules: RuleSet, on: dt.date
) -> ScreeningResult:
    """Screens the patient's facts for the planned treatment on the given date."""
    ctx = _Context(facts, plan, rules, on)
    findings: list[Finding] = []
    unknowns: dict[str, list[tuple[EngineRule, _Unknown]]] = {}
    for rule in rules.applicable(plan, facts.sex):
        outcome = _EVALUATORS[rule.trigger.kind](ctx, rule.trigger)
        if outcome is None:
            continue
        if isinstance(outcome, _Hit):
            findings.append(
                Finding(
                    rule_ids=(rule.id,),
                    kind="triggered",
                    severity=rule.severity,
                    title=rule.title,
                    facts=outcome.facts,
                    explanation=rule.explanation,
                    resolution=rule.resolution,
                    sources=rule.sources,
                    overridable=rule.overridable,
                )
            )
        elif rule.requires_answer:
            unknowns.setdefault(outcome.question, []).append((rule, outcome))
    for question, entries in unknowns.items():
        findings.append(_question_finding(rules, question, entries))
    findings.sort(key=lambda f: (f.severity != "absolute", _KIND_ORDER[f.kind], f.rule_ids))
    if any(f.severity == "absolute" for f in findings):
        verdict: Verdict = "contraindicated"
    elif findings:
        verdict = "caution"
    else:
        verdict = "eligible"
    return ScreeningResult(verdict, tuple(findings), ENGINE_VERSION, rules.version)


def _question_finding(
    rules: RuleSet, question: str, entries: list[tuple[EngineRule, _Unknown]]
) -> Finding:
    entries.sort(key=lambda e: e[0].id)
    unknown = entries[0][1]
    key = (unknown.kind, question, *(rule.id for rule, _ in entries))
    meta = rules._question_meta.get(key)
    if meta is None:
        needing = [rule for rule, _ in entries]
        sources: dict[str, SourceRef] = {}
        for rule in needing:
            for source in rule.sources:
                sources.setdefault(source.id, source)
        meta = _QuestionMeta(
            rule_ids=tuple(rule.id for rule in needing),
            # A stale answer was once checked: it asks for confirmation (caution). A missing or
            # unconfirmed one is as grave as the strictest rule that needs it.
            severity="absolute"
            if unknown.kind != "stale" and any(r.severity == "absolute" for r in needing)
            else "relative",
            explanation=f"{_QUESTION_TEXT[unknown.kind]} Needed for: "
            + ", ".join(rule.title for rule in needing)
            + ".",
            resolution=_resolution(rules, question, unknown.kind),
            sources=tuple(sorted(sources.values(), key=lambda s: s.id)),
            overridable=all(rule.overridable for rule in needing),
        )
        if len(rules._question_meta) < 4096:
            rules._question_meta[key] = meta
    return Finding(
        rule_ids=meta.rule_ids,
        kind=unknown.kind,
        severity=meta.severity,
        title=unknown.fact,
        facts=(unknown.fact,),
        explanation=meta.explanation,
        resolution=meta.resolution,
        sources=meta.sources,
        overridable=meta.overridable,
        question=question,
    )


def _resolution(rules: RuleSet, question: str, kind: FindingKind) -> str:
    code = question.removeprefix("condition:")
    subject = {
        MEDICATIONS: "the list of current medicines",
        ALLERGIES: "the patient's allergies",
    }.get(question, f"“{rules.condition_labels.get(code, code)}”")
    if kind == "stale":
        return f"Confirm {subject} today."
    if kind == "unconfirmed":
        return f"Clarify {subject} with the patient and record it as present or absent."
    return f"Ask about {subject} and record the answer."
