"""Loads and validates the knowledge base from `data/*.toml` (pure Python, no Django).

Every file is validated against `schema.py`; codes must be unique and every cited source must
exist. Any problem raises `KnowledgeError` naming the file and the entry.
"""

from __future__ import annotations

import functools
import hashlib
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from mesodesk.knowledge import schema

DATA_DIR = Path(__file__).resolve().parent / "data"

M = TypeVar("M", bound=BaseModel)
# Files that hold more than one kind of entry, and the other kinds they may hold.
SHARED_FILES = {
    "adverse_events.toml": {"term", "grade"},
    "allergens.toml": {"substance", "product"},
}


class KnowledgeError(ValueError):
    """A knowledge data file is malformed or inconsistent."""


@dataclass(frozen=True)
class KnowledgeBase:
    """The validated knowledge base; every mapping is keyed by code (or id, key, grade)."""

    version: str
    reference: str
    sources: Mapping[str, schema.Source]
    conditions: Mapping[str, schema.Condition]
    medication_classes: Mapping[str, schema.MedicationClass]
    allergy_groups: Mapping[str, schema.AllergyGroup]
    allergen_substances: Mapping[str, schema.AllergenSubstance]
    allergen_products: Mapping[str, schema.AllergenProduct]
    body_areas: Mapping[str, schema.BodyArea]
    scales: Mapping[str, schema.Scale]
    ingredients: Mapping[str, schema.Ingredient]
    indications: Mapping[str, schema.Indication]
    rules: Mapping[str, schema.Rule]
    settings: Mapping[str, schema.Setting]
    bounds: Mapping[str, schema.Bound]
    aftercare: Mapping[str, schema.AftercareItem]
    adverse_event_terms: Mapping[str, schema.AdverseEventTerm]
    severity_grades: Mapping[str, schema.SeverityGrade]
    techniques: Mapping[str, schema.Technique]
    photo_views: Mapping[str, schema.PhotoView]
    protocols: Mapping[str, schema.ProtocolTemplate]
    antiseptics: Mapping[str, schema.Antiseptic]
    patient_texts: Mapping[str, schema.PatientText]

    def setting(self, key: str) -> int:
        return self.settings[key].value

    def text(self, key: str, **values: object) -> str:
        """A patient-facing sentence of patient_texts.toml with its placeholders filled."""
        return self.patient_texts[key].text.format(**values)


def _read(data_dir: Path, name: str) -> dict[str, Any]:
    path = data_dir / name
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError as exc:
        raise KnowledgeError(f"{name}: file is missing") from exc
    except tomllib.TOMLDecodeError as exc:
        raise KnowledgeError(f"{name}: not valid TOML ({exc})") from exc


def _entries(
    data_dir: Path, name: str, key: str, model: type[M], id_field: str = "code"
) -> dict[str, M]:
    raw = _read(data_dir, name)
    unknown = set(raw) - {key} - SHARED_FILES.get(name, set())
    if unknown:
        raise KnowledgeError(f"{name}: unexpected top-level keys {sorted(unknown)}")
    result: dict[str, M] = {}
    for index, item in enumerate(raw.get(key, [])):
        label = item.get(id_field) or f"#{index + 1}"
        try:
            entry = model.model_validate(item)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc']) or 'entry'}: {err['msg']}"
                for err in exc.errors()
            )
            raise KnowledgeError(f"{name}: {key} {label!r}: {problems}") from exc
        code = str(getattr(entry, id_field))
        if code in result:
            raise KnowledgeError(f"{name}: {key} {code!r} is defined twice")
        result[code] = entry
    if not result:
        raise KnowledgeError(f"{name}: no {key} entries")
    return result


def _digest(data_dir: Path) -> str:
    sha = hashlib.sha256()
    for path in sorted(data_dir.glob("*.toml")):
        sha.update(path.name.encode())
        sha.update(path.read_bytes())
    return sha.hexdigest()[:12]


def _cited(entry: object) -> Iterable[str]:
    yield from getattr(entry, "sources", ())
    for limit in getattr(entry, "limits", ()):
        yield from limit.sources


def _check_sources(kb: KnowledgeBase) -> None:
    groups: dict[str, Mapping[str, Any]] = {
        "conditions.toml": kb.conditions,
        "medication_classes.toml": kb.medication_classes,
        "allergy_groups.toml": kb.allergy_groups,
        "allergens.toml": {**kb.allergen_substances, **kb.allergen_products},
        "scales.toml": kb.scales,
        "ingredients.toml": kb.ingredients,
        "indications.toml": kb.indications,
        "rules.toml": kb.rules,
        "settings.toml": kb.settings,
        "bounds.toml": kb.bounds,
        "aftercare.toml": kb.aftercare,
        "adverse_events.toml": {**kb.adverse_event_terms, **kb.severity_grades},
        "techniques.toml": kb.techniques,
        "protocols.toml": kb.protocols,
        "antiseptics.toml": kb.antiseptics,
        "patient_texts.toml": kb.patient_texts,
    }
    for filename, entries in groups.items():
        for code, entry in entries.items():
            for source_id in _cited(entry):
                if source_id not in kb.sources:
                    raise KnowledgeError(f"{filename}: {code!r} cites unknown source {source_id!r}")


@dataclass(frozen=True)
class UnknownReference:
    """A code a rule names that the knowledge base does not define."""

    field: str  # where the rule names it: "trigger.code", "scope.areas", "sources", …
    what: str  # what kind of code it should be: "condition", "area", …
    code: str


def rule_reference_errors(kb: KnowledgeBase, rule: schema.Rule) -> list[UnknownReference]:
    """Every code the rule names that `kb` lacks (empty when the rule fits the knowledge base).

    Used by the loader for the shipped rules and by the clinic-rule service for added ones.
    A trigger's code is required; an empty one counts as unknown.
    """
    found: list[UnknownReference] = []

    def check(field: str, what: str, codes: Iterable[str], known: Mapping[str, Any]) -> None:
        found.extend(UnknownReference(field, what, c) for c in codes if c not in known)

    trigger = rule.trigger
    if isinstance(trigger, schema.ConditionTrigger | schema.RemissionTrigger | schema.SiteTrigger):
        check("trigger.code", "condition", [trigger.code], kb.conditions)
    elif isinstance(trigger, schema.MedicationTrigger):
        check("trigger.code", "medication class", [trigger.code], kb.medication_classes)
    elif isinstance(trigger, schema.AllergyGroupTrigger):
        check("trigger.code", "allergy group", [trigger.code], kb.allergy_groups)
    elif isinstance(trigger, schema.AreaTrigger):
        check("trigger.allowed_areas", "area", trigger.allowed_areas, kb.body_areas)
    check("scope.indications", "indication", rule.scope.indications, kb.indications)
    check("scope.ingredients", "ingredient", rule.scope.ingredients, kb.ingredients)
    check("scope.areas", "area", rule.scope.areas, kb.body_areas)
    check("sources", "source", rule.sources, kb.sources)
    params = rule.trigger.model_dump()
    for name in ("title", "explanation", "resolution"):
        check(name, "parameter", schema.rule_parameters(getattr(rule, name)), params)
    return found


def _require(
    filename: str, owner: str, what: str, codes: Iterable[str], known: Mapping[str, Any]
) -> None:
    for code in codes:
        if code and code not in known:
            raise KnowledgeError(f"{filename}: {owner!r} names unknown {what} {code!r}")


# The patient-facing sentences the code asks for (and one per evidence level in use).
REQUIRED_TEXTS = (
    "mesotherapy_definition",
    "mesotherapy_not_approved",
    "delayed_infection_tell",
    "delayed_infection_watch",
    "periocular_longer",
    "periocular_longer_plan",
    "evidence_level",
    "off_label_here",
)


def _check_references(kb: KnowledgeBase) -> None:
    """Every code an entry names must exist in the file that defines it."""
    levels = {f"evidence.{i.evidence_level}" for i in kb.indications.values()}
    missing = sorted((set(REQUIRED_TEXTS) | levels) - set(kb.patient_texts))
    if missing:
        raise KnowledgeError(f"patient_texts.toml: missing texts {missing}")
    for code, area in kb.body_areas.items():
        _require("body_areas.toml", code, "area", [area.within], kb.body_areas)
    for code, ingredient in kb.ingredients.items():
        _require(
            "ingredients.toml", code, "allergy group", ingredient.allergy_groups, kb.allergy_groups
        )
    for code, group in kb.allergy_groups.items():
        _require("allergy_groups.toml", code, "allergy group", group.includes, kb.allergy_groups)
    for code, source in kb.sources.items():
        _require("sources.toml", code, "ingredient", source.applies_to, kb.ingredients)
    for code, substance in kb.allergen_substances.items():
        _require("allergens.toml", code, "ingredient", [substance.ingredient], kb.ingredients)
        _require("allergens.toml", code, "allergy group", substance.groups, kb.allergy_groups)
    for code, product in kb.allergen_products.items():
        _require("allergens.toml", code, "substance", product.contains, kb.allergen_substances)
    for code, indication in kb.indications.items():
        _require("indications.toml", code, "area", indication.areas, kb.body_areas)
    for code, term in kb.adverse_event_terms.items():
        _require("adverse_events.toml", code, "ingredient", term.ingredients, kb.ingredients)
    for code, item in kb.aftercare.items():
        _require("aftercare.toml", code, "area", item.areas, kb.body_areas)
        _require("aftercare.toml", code, "ingredient", item.ingredients, kb.ingredients)
    for code, template in kb.protocols.items():
        _require("protocols.toml", code, "indication", [template.indication], kb.indications)
        _require("protocols.toml", code, "technique", [template.technique], kb.techniques)
        _require(
            "protocols.toml",
            code,
            "photo view",
            [
                *template.photo_views_baseline,
                *template.photo_views_end,
                *template.photo_views_follow_up,
            ],
            kb.photo_views,
        )
    for rule_id, rule in kb.rules.items():
        if unknown := rule_reference_errors(kb, rule):
            first = unknown[0]
            raise KnowledgeError(
                f"rules.toml: {rule_id!r} names unknown {first.what} {first.code!r}"
            )


def load_knowledge(data_dir: Path = DATA_DIR) -> KnowledgeBase:
    try:
        meta = schema.Meta.model_validate(_read(data_dir, "meta.toml"))
    except ValidationError as exc:
        raise KnowledgeError(f"meta.toml: {exc.errors()[0]['msg']}") from exc
    kb = KnowledgeBase(
        version=f"{meta.version}+{_digest(data_dir)}",
        reference=meta.reference,
        sources=_entries(data_dir, "sources.toml", "source", schema.Source, id_field="id"),
        conditions=_entries(data_dir, "conditions.toml", "condition", schema.Condition),
        medication_classes=_entries(
            data_dir, "medication_classes.toml", "medication_class", schema.MedicationClass
        ),
        allergy_groups=_entries(
            data_dir, "allergy_groups.toml", "allergy_group", schema.AllergyGroup
        ),
        allergen_substances=_entries(
            data_dir, "allergens.toml", "substance", schema.AllergenSubstance
        ),
        allergen_products=_entries(data_dir, "allergens.toml", "product", schema.AllergenProduct),
        body_areas=_entries(data_dir, "body_areas.toml", "area", schema.BodyArea),
        scales=_entries(data_dir, "scales.toml", "scale", schema.Scale),
        ingredients=_entries(data_dir, "ingredients.toml", "ingredient", schema.Ingredient),
        indications=_entries(data_dir, "indications.toml", "indication", schema.Indication),
        rules=_entries(data_dir, "rules.toml", "rule", schema.Rule, id_field="id"),
        settings=_entries(data_dir, "settings.toml", "setting", schema.Setting, id_field="key"),
        bounds=_entries(data_dir, "bounds.toml", "bound", schema.Bound, id_field="key"),
        aftercare=_entries(data_dir, "aftercare.toml", "item", schema.AftercareItem),
        adverse_event_terms=_entries(
            data_dir, "adverse_events.toml", "term", schema.AdverseEventTerm
        ),
        severity_grades=_entries(
            data_dir, "adverse_events.toml", "grade", schema.SeverityGrade, id_field="grade"
        ),
        techniques=_entries(data_dir, "techniques.toml", "technique", schema.Technique),
        photo_views=_entries(data_dir, "photo_views.toml", "view", schema.PhotoView),
        protocols=_entries(data_dir, "protocols.toml", "protocol", schema.ProtocolTemplate),
        antiseptics=_entries(data_dir, "antiseptics.toml", "antiseptic", schema.Antiseptic),
        patient_texts=_entries(
            data_dir, "patient_texts.toml", "text", schema.PatientText, id_field="key"
        ),
    )
    _check_sources(kb)
    _check_references(kb)
    return kb


@functools.cache
def knowledge() -> KnowledgeBase:
    """The knowledge base shipped with this release, loaded once per process."""
    return load_knowledge()
