"""A clinic admin configures the knowledge base: tighten freely, loosen with a reason, never
loosen a label-backed rule; every change is versioned, audited and used by new screenings."""

from __future__ import annotations

import dataclasses
import io

import pytest
from django.core.management import call_command

from mesodesk.audit.models import AuditEvent
from mesodesk.core.errors import FieldErrors, NotFound, PermissionDenied
from mesodesk.core.testing import Personas, adult_patient_data
from mesodesk.knowledge.loader import knowledge
from mesodesk.knowledge.models import ClinicKnowledgeChange, KnowledgeRelease
from mesodesk.knowledge.selectors import clinic_configuration, clinic_knowledge
from mesodesk.knowledge.services import knowledge_change_record, knowledge_rule_add
from mesodesk.patients.services import condition_record, patient_create
from mesodesk.screening.models import Screening

pytestmark = pytest.mark.django_db
REASON = "Agreed at the clinical governance meeting of 2026-11-01"


def test_migrate_loaded_the_release_and_knowledge_load_is_idempotent() -> None:
    assert KnowledgeRelease.objects.filter(version=knowledge().version).exists()
    out = io.StringIO()
    call_command("knowledge_load", stdout=out)
    assert "already loaded" in out.getvalue()
    release = KnowledgeRelease.objects.get()
    assert release.content["rules"]["CI-PREGNANCY"]["sources"] == ["S11", "S42", "S18", "S68"]


def test_tightening_a_relative_rule_needs_no_reason(personas: Personas) -> None:
    change = knowledge_change_record(
        actor=personas.clinic_admin,
        target_kind="rule",
        target_code="CI-KELOID",
        change={"severity": "absolute"},
    )
    kb = clinic_knowledge(personas.clinic_a)
    assert kb.rules["CI-KELOID"].severity == "absolute"
    assert kb.version.endswith(f"-r{change.revision}")
    assert change.revision == 1
    assert clinic_knowledge(personas.clinic_b).rules["CI-KELOID"].severity == "relative"
    assert AuditEvent.objects.filter(object_id=change.pk, action="update").exists()


def test_loosening_an_absolute_rule_needs_a_written_reason(personas: Personas) -> None:
    with pytest.raises(FieldErrors) as caught:
        knowledge_change_record(
            actor=personas.clinic_admin,
            target_kind="rule",
            target_code="CI-BREASTFEEDING",
            change={"severity": "relative"},
        )
    assert "reason" in caught.value.errors
    knowledge_change_record(
        actor=personas.clinic_admin,
        target_kind="rule",
        target_code="CI-BREASTFEEDING",
        change={"severity": "relative"},
        reason=REASON,
    )
    assert clinic_knowledge(personas.clinic_a).rules["CI-BREASTFEEDING"].severity == "relative"


def test_a_label_backed_rule_cannot_be_loosened(personas: Personas) -> None:
    for change in ({"severity": "relative"}, {"overridable": True}, {"enabled": False}):
        with pytest.raises(FieldErrors):
            knowledge_change_record(
                actor=personas.clinic_admin,
                target_kind="rule",
                target_code="CI-INFECTION-SITE",
                change=change,
                reason=REASON,
            )
    assert not ClinicKnowledgeChange.objects.exists()


def test_a_parameter_change_is_bounded_and_used(personas: Personas) -> None:
    with pytest.raises(FieldErrors) as caught:
        knowledge_change_record(
            actor=personas.clinic_admin,
            target_kind="rule",
            target_code="CI-CANCER-RECENT",
            change={"params": {"months": 0}},
            reason=REASON,
        )
    assert "params.months" in caught.value.errors
    knowledge_change_record(
        actor=personas.clinic_admin,
        target_kind="rule",
        target_code="CI-CANCER-RECENT",
        change={"params": {"months": 24}},
        reason=REASON,
    )
    assert clinic_knowledge(personas.clinic_a).rules["CI-CANCER-RECENT"].trigger.months == 24  # type: ignore[union-attr]


def test_changing_a_configurable_default_is_recorded(personas: Personas) -> None:
    knowledge_change_record(
        actor=personas.clinic_admin,
        target_kind="condition",
        target_code="pregnancy",
        change={"stale_after_days": 1},
        reason=REASON,
    )
    knowledge_change_record(
        actor=personas.clinic_admin,
        target_kind="setting",
        target_code="medications_stale_after_days",
        change={"value": 14},
        reason=REASON,
    )
    kb = clinic_knowledge(personas.clinic_a)
    assert kb.conditions["pregnancy"].stale_after_days == 1
    assert kb.setting("medications_stale_after_days") == 14
    assert kb.version.endswith("-r2")


def test_only_clinic_admins_configure(personas: Personas) -> None:
    for actor in (personas.practitioner, personas.nurse, personas.front_desk, personas.auditor):
        with pytest.raises(PermissionDenied):
            knowledge_change_record(
                actor=actor,
                target_kind="rule",
                target_code="CI-KELOID",
                change={"severity": "absolute"},
            )


def test_a_clinic_rule_screens_patients_and_screenings_name_the_clinic_version(
    personas: Personas,
) -> None:
    added = knowledge_rule_add(
        actor=personas.clinic_admin,
        rule={
            "title": "Isotretinoin in the last 12 months",
            "severity": "absolute",
            "trigger": {"kind": "medication_class", "code": "retinoid", "within_months": 12},
            "explanation": "Our dermatologists defer treatment for a year after isotretinoin.",
            "resolution": "Defer until 12 months after the last dose.",
        },
    )
    assert added.target_code == "CLINIC-1"
    patient = patient_create(actor=personas.practitioner, data=adult_patient_data())
    condition_record(actor=personas.practitioner, patient_id=patient.pk, data={"code": "urticaria"})
    screening = Screening.objects.get(patient=patient)
    assert screening.knowledge_version == clinic_knowledge(personas.clinic_a).version
    assert "clinic-" in screening.knowledge_version
    assert any("CLINIC-1" in f["rule_ids"] for f in screening.findings)  # medicines unanswered


@pytest.mark.parametrize(
    ("rule", "field"),
    [
        (
            {
                "title": "X",
                "severity": "absolute",
                "trigger": {"kind": "condition", "code": "nope"},
                "explanation": "x",
                "resolution": "y",
            },
            "trigger.code",
        ),
        (
            {
                "title": "X",
                "severity": "absolute",
                "trigger": {"kind": "ingredient_flag", "flag": "x"},
                "explanation": "x",
                "resolution": "y",
            },
            "trigger.kind",
        ),
        (
            {
                "title": "X",
                "severity": "huge",
                "trigger": {"kind": "age_below", "years": 21},
                "explanation": "x",
                "resolution": "y",
            },
            "severity",
        ),
        (
            {
                "title": "X",
                "severity": "relative",
                "trigger": {"kind": "age_below", "years": 21},
                "explanation": "x",
                "resolution": "y",
                "sources": ["S999"],
            },
            "sources",
        ),
    ],
)
def test_a_bad_clinic_rule_is_refused(
    personas: Personas, rule: dict[str, object], field: str
) -> None:
    with pytest.raises(FieldErrors) as caught:
        knowledge_rule_add(actor=personas.clinic_admin, rule=rule)
    assert any(key.startswith(field) for key in caught.value.errors)
    assert not ClinicKnowledgeChange.objects.exists()


def test_a_change_is_append_only(personas: Personas) -> None:
    change = knowledge_change_record(
        actor=personas.clinic_admin,
        target_kind="rule",
        target_code="CI-KELOID",
        change={"severity": "absolute"},
    )
    with pytest.raises(ValueError, match="append-only"):
        change.save()


def test_the_stored_release_holds_every_collection_of_the_knowledge_base() -> None:
    kb = knowledge()
    release = KnowledgeRelease.objects.get(version=kb.version)
    collections = {f.name for f in dataclasses.fields(kb)} - {"version", "reference"}
    assert {"techniques", "photo_views", "protocols", "antiseptics"} <= collections
    assert set(release.content) == collections
    for name in collections:
        assert set(release.content[name]) == set(getattr(kb, name)), name


def _switch(personas: Personas, code: str, on: bool) -> ClinicKnowledgeChange:
    return knowledge_change_record(
        actor=personas.clinic_admin,
        target_kind="rule",
        target_code=code,
        change={"enabled": on},
        reason="" if on else REASON,
    )


def test_a_switched_off_rule_is_switched_back_on_as_it_was(personas: Personas) -> None:
    knowledge_change_record(
        actor=personas.clinic_admin,
        target_kind="rule",
        target_code="CI-KELOID",
        change={"severity": "absolute"},
    )
    _switch(personas, "CI-KELOID", on=False)
    configured = clinic_configuration(personas.clinic_a)
    assert "CI-KELOID" not in configured.kb.rules
    assert configured.switched_off["CI-KELOID"].severity == "absolute"

    _switch(personas, "CI-KELOID", on=True)  # switching on tightens: no reason needed

    configured = clinic_configuration(personas.clinic_a)
    assert configured.kb.rules["CI-KELOID"].severity == "absolute"
    assert "CI-KELOID" not in configured.switched_off


def test_a_switched_off_rule_takes_no_other_change_until_it_is_back_on(
    personas: Personas,
) -> None:
    _switch(personas, "CI-KELOID", on=False)
    with pytest.raises(FieldErrors) as caught:
        knowledge_change_record(
            actor=personas.clinic_admin,
            target_kind="rule",
            target_code="CI-KELOID",
            change={"severity": "absolute"},
        )
    assert "enabled" in caught.value.errors
    assert "CI-KELOID" not in clinic_knowledge(personas.clinic_a).rules


def test_an_unknown_rule_is_not_found(personas: Personas) -> None:
    with pytest.raises(NotFound):
        knowledge_change_record(
            actor=personas.clinic_admin,
            target_kind="rule",
            target_code="CI-NOPE",
            change={"enabled": True},
        )


def test_a_rule_setting_must_be_yes_or_no(personas: Personas) -> None:
    with pytest.raises(FieldErrors) as caught:
        knowledge_change_record(
            actor=personas.clinic_admin,
            target_kind="rule",
            target_code="CI-BREASTFEEDING",
            change={"overridable": 1, "enabled": "yes"},
            reason=REASON,
        )
    assert set(caught.value.errors) == {"overridable", "enabled"}


CLINIC_RULE = {
    "title": "Under 21",
    "severity": "absolute",
    "trigger": {"kind": "age_below", "years": 21},
    "explanation": "Clinic policy.",
    "resolution": "Do not treat.",
}


def test_a_clinic_rule_switched_off_can_be_switched_back_on(personas: Personas) -> None:
    added = knowledge_rule_add(actor=personas.clinic_admin, rule=CLINIC_RULE)
    _switch(personas, added.target_code, on=False)
    assert added.target_code in clinic_configuration(personas.clinic_a).switched_off

    _switch(personas, added.target_code, on=True)

    assert clinic_knowledge(personas.clinic_a).rules[added.target_code].title == "Under 21"


def test_a_clinic_rule_id_is_never_reused_after_a_rule_is_switched_off(
    personas: Personas,
) -> None:
    first = knowledge_rule_add(actor=personas.clinic_admin, rule=CLINIC_RULE)
    _switch(personas, first.target_code, on=False)

    second = knowledge_rule_add(actor=personas.clinic_admin, rule=CLINIC_RULE)

    assert (first.target_code, second.target_code) == ("CLINIC-1", "CLINIC-2")
    _switch(personas, first.target_code, on=True)
    assert {"CLINIC-1", "CLINIC-2"} <= set(clinic_knowledge(personas.clinic_a).rules)


def test_a_clinic_rule_may_not_take_a_switched_off_rules_id(personas: Personas) -> None:
    first = knowledge_rule_add(actor=personas.clinic_admin, rule=CLINIC_RULE)
    _switch(personas, first.target_code, on=False)
    with pytest.raises(FieldErrors) as caught:
        knowledge_rule_add(actor=personas.clinic_admin, rule={**CLINIC_RULE, "id": "CLINIC-1"})
    assert "id" in caught.value.errors


def test_a_clinic_rule_scoped_to_unknown_codes_is_refused_with_field_errors(
    personas: Personas,
) -> None:
    with pytest.raises(FieldErrors) as caught:
        knowledge_rule_add(
            actor=personas.clinic_admin,
            rule={
                **CLINIC_RULE,
                "scope": {"indications": ["nope"], "areas": ["moon"], "ingredients": ["x"]},
            },
        )
    assert caught.value.errors == {
        "scope.indications": ["Unknown indication 'nope'."],
        "scope.areas": ["Unknown area 'moon'."],
        "scope.ingredients": ["Unknown ingredient 'x'."],
    }
    assert not ClinicKnowledgeChange.objects.exists()
