"""The knowledge base loads, validates strictly, and fails loudly on a malformed file."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mesodesk.knowledge import schema
from mesodesk.knowledge.loader import (
    DATA_DIR,
    KnowledgeError,
    knowledge,
    load_knowledge,
    rule_reference_errors,
)
from mesodesk.patients.choices import Fitzpatrick, Glogau


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    return target


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text() + "\n" + text)


def test_the_shipped_knowledge_base_loads_with_a_content_version() -> None:
    kb = knowledge()
    assert kb.version.startswith("1.0.0+")
    assert len(kb.version) > 10
    assert {
        "pregnancy",
        "breastfeeding",
        "cancer",
        "coagulation_disorder",
        "urticaria",
        "active_skin_infection",
        "stroke_paralysis",
        "insulin_diabetes",
        "cardiac_disease",
        "autoimmune_disease",
        "keloid_tendency",
        "other",
    } <= set(kb.conditions)
    assert kb.sources["S18"].quality == "A"


def test_every_cited_source_exists_and_every_entry_is_sourced_or_configurable() -> None:
    kb = knowledge()
    for entry in [*kb.conditions.values(), *kb.allergy_groups.values(), *kb.scales.values()]:
        assert entry.sources or entry.configurable
        assert all(source in kb.sources for source in entry.sources)


def test_scale_codes_on_the_patient_match_the_knowledge_base() -> None:
    kb = knowledge()
    assert [level.value for level in kb.scales["fitzpatrick"].levels] == Fitzpatrick.values
    assert [level.value for level in kb.scales["glogau"].levels] == Glogau.values


def test_a_rule_citing_an_unknown_source_fails(data_copy: Path) -> None:
    _append(
        data_copy / "conditions.toml",
        '[[condition]]\ncode = "x"\nlabel = "X"\n'
        'patient_question = "X?"\nkind = "boolean"\nsources = ["S999"]\n',
    )
    with pytest.raises(KnowledgeError, match="unknown source 'S999'"):
        load_knowledge(data_copy)


def test_an_unsourced_entry_must_be_marked_configurable(data_copy: Path) -> None:
    _append(
        data_copy / "conditions.toml",
        '[[condition]]\ncode = "x"\nlabel = "X"\npatient_question = "X?"\nkind = "boolean"\n',
    )
    with pytest.raises(KnowledgeError, match="not marked configurable"):
        load_knowledge(data_copy)


def test_a_time_sensitive_fact_needs_a_staleness_period(data_copy: Path) -> None:
    _append(
        data_copy / "conditions.toml",
        '[[condition]]\ncode = "x"\nlabel = "X"\n'
        'patient_question = "X?"\nkind = "boolean"\ntime_sensitive = true\nconfigurable = true\n',
    )
    with pytest.raises(KnowledgeError, match="stale_after_days"):
        load_knowledge(data_copy)


def test_malformed_toml_fails_naming_the_file(data_copy: Path) -> None:
    _append(data_copy / "scales.toml", "[[scale]\nbroken")
    with pytest.raises(KnowledgeError, match=r"scales\.toml: not valid TOML"):
        load_knowledge(data_copy)


def test_a_duplicate_code_fails(data_copy: Path) -> None:
    _append(
        data_copy / "medication_classes.toml",
        '[[medication_class]]\ncode = "insulin"\nlabel = "Again"\npatient_label = "Again"\n',
    )
    with pytest.raises(KnowledgeError, match="defined twice"):
        load_knowledge(data_copy)


def test_an_unknown_field_fails(data_copy: Path) -> None:
    _append(
        data_copy / "allergy_groups.toml",
        '[[allergy_group]]\ncode = "x"\nlabel = "X"\npatient_label = "X"\nconfigurable = true\n'
        'severity = "high"\n',
    )
    with pytest.raises(KnowledgeError, match="severity"):
        load_knowledge(data_copy)


def test_a_changed_file_changes_the_version(data_copy: Path) -> None:
    before = load_knowledge(data_copy).version
    _append(
        data_copy / "body_areas.toml", '[[area]]\ncode = "ears"\nlabel = "Ears"\nregion = "face"\n'
    )
    assert load_knowledge(data_copy).version != before


def test_a_rule_scoped_to_an_unknown_area_fails(data_copy: Path) -> None:
    _append(
        data_copy / "rules.toml",
        '[[rule]]\nid = "CI-X"\ntitle = "X"\nseverity = "relative"\n'
        'trigger = { kind = "age_below", years = 21 }\nscope = { areas = ["moon"] }\n'
        'explanation = "x"\nresolution = "y"\nconfigurable = true\n',
    )
    with pytest.raises(KnowledgeError, match="'CI-X' names unknown area 'moon'"):
        load_knowledge(data_copy)


def test_rule_references_are_checked_one_by_one() -> None:
    kb = knowledge()
    rule = kb.rules["CI-PREGNANCY"].model_copy(
        update={
            "scope": schema.RuleScope(indications=("nope",), ingredients=("x",), areas=("moon",))
        }
    )
    assert {(e.field, e.code) for e in rule_reference_errors(kb, rule)} == {
        ("scope.indications", "nope"),
        ("scope.ingredients", "x"),
        ("scope.areas", "moon"),
    }
    assert rule_reference_errors(kb, kb.rules["CI-PREGNANCY"]) == []


def test_a_rule_text_may_quote_only_its_triggers_parameters() -> None:
    kb = knowledge()
    rule = kb.rules["CI-CANCER-RECENT"].model_copy(
        update={"resolution": "Wait {months} months, not {years} years."}
    )
    assert [(e.field, e.code) for e in rule_reference_errors(kb, rule)] == [("resolution", "years")]
    assert rule.shown_title == "Cancer in remission for less than 12 months"


def test_every_allergen_names_known_ingredients_classes_and_substances(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    path = data / "allergens.toml"
    path.write_text(
        path.read_text().replace(
            'contains = ["lidocaine", "prilocaine"]', 'contains = ["lidocaine", "tetracaine"]'
        )
    )
    with pytest.raises(KnowledgeError, match="tetracaine"):
        load_knowledge(data)
