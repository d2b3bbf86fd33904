"""The contraindication screening engine: pure Python, no Django.

`screen(facts, plan, rules, on)` reads a snapshot of the patient's facts and a planned
treatment against a compiled rule set and returns a verdict with explained, sourced findings.
It is deterministic: the same input gives the same output whatever the order of the facts.

Unknowns are never silent: a required answer that is missing or unconfirmed becomes a finding
with the severity of the strictest rule that needs it, and an allergy whose text the allergen
vocabulary does not recognise is a finding too; one older than its re-confirmation period
becomes a caution to confirm it again. A screening whose only blocking findings are unknowns
is *incomplete* (it blocks like a contraindication and says what is missing), never
*contraindicated*.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Literal, Protocol

ENGINE_VERSION = "screening-1.1"

Severity = Literal["absolute", "relative"]
Verdict = Literal["eligible", "caution", "incomplete", "contraindicated"]
FindingKind = Literal["triggered", "missing", "stale", "unconfirmed", "unrecognised"]
# Unknowns that leave the screening incomplete when a blocking rule needs them.
INCOMPLETE_KINDS = frozenset({"missing", "unconfirmed", "unrecognised"})
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
    """A cited source. A product label (`applies_to` its ingredients) applies only when one of
    them is planned; otherwise it is cited `by_analogy`, with the weakest quality tag."""

    id: str
    citation: str
    quality: str
    url: str = ""
    applies_to: frozenset[str] = frozenset()
    by_analogy: bool = False


class AllergyMatchLike(Protocol):
    """What the allergen vocabulary says an allergy's text (or recorded class) names."""

    @property
    def matched(self) -> tuple[str, ...]: ...
    @property
    def ingredients(self) -> frozenset[str]: ...  # ruled out by the allergy
    @property
    def groups(self) -> frozenset[str]: ...  # classes it names or belongs to
    @property
    def related(self) -> frozenset[str]: ...  # class members, cross-reactivity unsourced


class AllergenIndex(Protocol):
    def match(self, text: str) -> AllergyMatchLike: ...
    def group(self, code: str) -> AllergyMatchLike: ...


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
    topic: str = ""  # rules about the same fact (insulin-treated diabetes, takes insulin)


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
    allergens: AllergenIndex | None = None
    # Memos filled as screenings run: which rules apply to a (plan, sex), and what a group of
    # rules needing the same answer amounts to. Derived from the fields above, never compared.
    _applicable: dict[tuple[object, ...], tuple[EngineRule, ...]] = field(
        default_factory=dict, compare=False, repr=False
    )
    _question_meta: dict[tuple[object, ...], _QuestionMeta] = field(
        default_factory=dict, compare=False, repr=False
    )
    _substances: dict[str, tuple[frozenset[str], frozenset[str]]] = field(
        default_factory=dict, compare=False, repr=False
    )
    _allergies: dict[tuple[str, str], AllergyMatchLike] = field(
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

    def match_allergy(self, allergy: AllergyFact) -> AllergyMatchLike | None:
        """What an allergy record names (None: no vocabulary, match by ingredient names)."""
        if self.allergens is None:
            return None
        key = (allergy.substance, allergy.group)
        known = self._allergies.get(key)
        if known is not None:
            return known
        found = self.allergens.match(allergy.substance)
        if allergy.group:
            recorded = self.allergens.group(allergy.group)
            found = (
                _Matched(
                    tuple(sorted({*found.matched, *recorded.matched})),
                    found.ingredients | recorded.ingredients,
                    found.groups | recorded.groups,
                    (found.related | recorded.related) - recorded.ingredients - found.ingredients,
                )
                if allergy.substance
                else recorded
            )
        if len(self._allergies) < 4096:
            self._allergies[key] = found
        return found

    def applicable(self, plan: PlannedTreatment, sex: str) -> tuple[EngineRule, ...]:
        """The rules in scope for the plan, citing a product label only where it applies."""
        planned = frozenset(plan.ingredients)
        key = (plan.indication, frozenset(plan.areas), planned, sex)
        found = self._applicable.get(key)
        if found is None:
            found = tuple(
                _with_applicable_sources(rule, planned)
                for rule in self.rules
                if _in_scope(rule, plan, sex)
            )
            if len(self._applicable) < 4096:
                self._applicable[key] = found
        return found


@dataclass(frozen=True, slots=True)
class _Matched:
    matched: tuple[str, ...]
    ingredients: frozenset[str]
    groups: frozenset[str]
    related: frozenset[str]


WEAKEST_QUALITY = "C"


def _with_applicable_sources(rule: EngineRule, planned: frozenset[str]) -> EngineRule:
    """The rule with each product label not in the plan cited by analogy (weakest tag)."""
    if all(not s.applies_to or s.applies_to & planned for s in rule.sources):
        return rule
    sources = tuple(
        s
        if not s.applies_to or s.applies_to & planned
        else replace(s, quality=WEAKEST_QUALITY, by_analogy=True)
        for s in rule.sources
    )
    return replace(rule, sources=sources)


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
    kind: FindingKind = "triggered"
    severity: Severity | None = None  # None: the rule's


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
        "allergy_matches",
        "areas",
        "conditions",
        "facts",
        "ingredients",
        "med_review",
        "med_stale",
        "meds_by_class",
        "on",
        "planned",
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
        self.planned = frozenset(plan.ingredients)
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
        self.allergy_matches = [(a, rules.match_allergy(a)) for a in facts.allergies]

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
    """(ingredient codes, allergy groups) an allergy record rules out, without a vocabulary."""
    codes, groups = (
        ctx.rules.substance_matches(allergy.substance)
        if allergy.substance
        else (frozenset(), frozenset())
    )
    return codes, (groups | {allergy.group}) if allergy.group else groups


def _allergy_words(ctx: _Context, allergy: AllergyFact, match: AllergyMatchLike | None) -> str:
    """“lidocain” (recognised as Lidocaine): what was recorded and what it was matched to."""
    what = (
        f"“{allergy.substance}”"
        if allergy.substance
        else ctx.rules.group_labels.get(allergy.group, allergy.group)
    )
    if allergy.substance and match is not None and match.matched:
        what += f" (recognised as {', '.join(match.matched)})"
    return what


def _ruled_out(ctx: _Context, allergy: AllergyFact, match: AllergyMatchLike | None) -> list[str]:
    if match is not None:
        return [i.name for i in ctx.ingredients if i.code in match.ingredients]
    codes, groups = _allergy_codes(ctx, allergy)
    return [i.name for i in ctx.ingredients if i.code in codes or i.groups & groups]


def _eval_allergy_ingredient(ctx: _Context, t: Trigger) -> _Hit | _Unknown | None:
    if not ctx.allergy_list and ctx.facts.allergies_reviewed_on is None:
        return _Unknown(ALLERGIES, "missing", "Allergies: not answered")
    hits = [
        f"Allergy to {_allergy_words(ctx, allergy, match)} → {name} in the planned mix"
        for allergy, match in ctx.allergy_matches
        for name in _ruled_out(ctx, allergy, match)
    ]
    return _Hit(tuple(sorted(set(hits)))) if hits else _CLEAR


def _eval_allergy_class(ctx: _Context, t: Trigger) -> _Hit | None:
    """A planned ingredient of the same class as an allergen whose cross-reactivity is
    unsourced (an NSAID allergy and ketoprofen in the mix)."""
    hits = [
        f"Allergy to {_allergy_words(ctx, allergy, match)} → {info.name} in the planned mix "
        "(same class)"
        for allergy, match in ctx.allergy_matches
        if match is not None
        for info in ctx.ingredients
        if info.code in match.related and info.code not in match.ingredients
    ]
    return _Hit(tuple(sorted(set(hits)))) if hits else _CLEAR


def _eval_allergy_unrecognised(ctx: _Context, t: Trigger) -> _Hit | None:
    """Allergy text the vocabulary does not recognise: it may involve the mix."""
    unknown = sorted(
        f"Allergy to “{allergy.substance}”: not recognised"
        for allergy, match in ctx.allergy_matches
        if allergy.substance and not allergy.group and match is not None and not match.matched
    )
    if not unknown:
        return _CLEAR
    # Without a mix there is nothing it could involve yet: the clinician is told, not stopped.
    return _Hit(tuple(unknown), "unrecognised", None if ctx.ingredients else "relative")


def _eval_allergy_group(ctx: _Context, t: Trigger) -> _Hit | None:
    hits = sorted(
        f"Allergy: {ctx.rules.group_labels.get(t.code, t.code)}"
        + (f" (“{a.substance}”)" if a.substance else "")
        for a, match in ctx.allergy_matches
        if a.group == t.code or (match is not None and t.code in match.groups)
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
    "allergy_class_member": _eval_allergy_class,
    "allergy_unrecognised": _eval_allergy_unrecognised,
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


_KIND_ORDER = {"triggered": 0, "unrecognised": 1, "unconfirmed": 2, "stale": 3, "missing": 4}
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
    topics: dict[str, str] = {}
    for rule in rules.applicable(plan, facts.sex):
        outcome = _EVALUATORS[rule.trigger.kind](ctx, rule.trigger)
        if outcome is None:
            continue
        if isinstance(outcome, _Hit):
            if rule.topic:
                topics[rule.id] = rule.topic
            findings.append(
                Finding(
                    rule_ids=(rule.id,),
                    kind=outcome.kind,
                    severity=outcome.severity or rule.severity,
                    title=rule.title,
                    facts=outcome.facts,
                    explanation=rule.explanation,
                    resolution=rule.resolution,
                    sources=rule.sources,
                    overridable=rule.overridable,
                )
            )
        elif rule.requires_answer:
            if rule.topic:
                topics[rule.id] = rule.topic
            unknowns.setdefault(outcome.question, []).append((rule, outcome))
    for question, entries in unknowns.items():
        findings.append(_question_finding(rules, ctx, question, entries))
    if len(topics) > 1:
        findings = _merge_topics(findings, topics)
    findings.sort(key=lambda f: (f.severity != "absolute", _KIND_ORDER[f.kind], f.rule_ids))
    return ScreeningResult(_verdict(findings), tuple(findings), ENGINE_VERSION, rules.version)


def _verdict(findings: list[Finding]) -> Verdict:
    blocking = [f for f in findings if f.severity == "absolute"]
    if any(f.kind == "triggered" for f in blocking):
        return "contraindicated"
    if any(f.kind in INCOMPLETE_KINDS for f in blocking):
        return "incomplete"
    return "caution" if findings else "eligible"


def _merge_topics(findings: list[Finding], topics: Mapping[str, str]) -> list[Finding]:
    """One finding per fact: findings whose rules are all about the same topic (insulin-treated
    diabetes and "takes insulin") become one, when at least one of them was triggered."""
    groups: dict[str, list[Finding]] = {}
    kept: list[Finding] = []
    for finding in findings:
        found = {topics.get(r, "") for r in finding.rule_ids}
        if len(found) == 1 and "" not in found:
            groups.setdefault(found.pop(), []).append(finding)
        else:
            kept.append(finding)
    for group in groups.values():
        if len(group) > 1 and any(f.kind == "triggered" for f in group):
            kept.append(_merged(group))
        else:
            kept.extend(group)
    return kept


def _merged(group: list[Finding]) -> Finding:
    group.sort(key=lambda f: (f.severity != "absolute", _KIND_ORDER[f.kind], f.rule_ids))
    first = group[0]
    sources = {s.id: s for f in group for s in f.sources}
    return Finding(
        rule_ids=tuple(sorted({r for f in group for r in f.rule_ids})),
        kind=first.kind,
        severity=first.severity,
        title=" · ".join(dict.fromkeys(f.title for f in group)),
        facts=tuple(dict.fromkeys(fact for f in group for fact in f.facts)),
        explanation=" ".join(dict.fromkeys(f.explanation for f in group)),
        resolution=" ".join(dict.fromkeys(f.resolution for f in group)),
        sources=tuple(sources[k] for k in sorted(sources)),
        overridable=all(f.overridable for f in group),
        question=first.question,
    )


def _question_finding(
    rules: RuleSet, ctx: _Context, question: str, entries: list[tuple[EngineRule, _Unknown]]
) -> Finding:
    entries.sort(key=lambda e: e[0].id)
    unknown = entries[0][1]
    # The rules' sources depend on which product labels apply to the planned ingredients.
    key = (unknown.kind, question, ctx.planned, *(rule.id for rule, _ in entries))
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
