"""Consent: assembled from the plan and the knowledge base, never signed blank or partially,
frozen once signed, countersigned into a PDF, withdrawable; templates are versioned."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from mesodesk.audit.models import AuditEvent
from mesodesk.consent import services
from mesodesk.consent.document import consent_document
from mesodesk.consent.models import Consent, ConsentTemplate
from mesodesk.consent.selectors import consent_valid
from mesodesk.consent.tests.helpers import (
    active_plan,
    blank_signature,
    sign_all,
    signature,
    template,
)
from mesodesk.core.errors import Conflict, FieldErrors, PermissionDenied
from mesodesk.core.testing import PASSWORD, Personas
from mesodesk.knowledge.loader import knowledge
from mesodesk.treatments.models import TreatmentPlan

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(personas: Personas) -> TreatmentPlan:
    template(personas.practitioner)
    return active_plan(personas)


def _document(personas: Personas, plan: TreatmentPlan) -> object:
    tpl = ConsentTemplate.objects.get(status="published")
    return consent_document(plan, tpl, knowledge())


def test_the_text_names_procedure_mix_off_label_risks_evidence_alternatives_and_withdrawal(
    personas: Personas, plan: TreatmentPlan
) -> None:
    text = _document(personas, plan).text  # type: ignore[attr-defined]
    for expected in (
        "Lidocaine 2 %: 1 mL per session",
        "off-label",
        "SERIOUS RISKS",
        "1 to 12 weeks after treatment",
        "HOW GOOD IS THE EVIDENCE",
        knowledge().indications["facial_rejuvenation"].patient_evidence,
        "ALTERNATIVES",
        "No treatment",
        "withdraw",
        "PHOTOGRAPHS (separate choice)",
    ):
        assert expected in text, expected


def _sign(personas: Personas, plan: TreatmentPlan, **changes: object) -> Consent:
    document = _document(personas, plan)
    kwargs: dict[str, object] = {
        "accepted": [s.key for s in document.statements],  # type: ignore[attr-defined]
        "photo_consent": False,
        "signer_name": "Anna Smith",
        "signature_data_url": signature(),
        "expected_sha256": document.sha256,  # type: ignore[attr-defined]
    }
    kwargs.update(changes)
    return services.consent_sign(actor=personas.nurse, plan_id=plan.pk, **kwargs)  # type: ignore[arg-type]


def test_a_patient_signs_and_the_practitioner_countersigns(
    personas: Personas, plan: TreatmentPlan
) -> None:
    consent = _sign(personas, plan)
    assert consent.status == "awaiting"
    assert consent_valid(plan) is None
    assert consent.text_sha256 == _document(personas, plan).sha256  # type: ignore[attr-defined]
    consent = services.consent_countersign(
        actor=personas.practitioner, consent_id=consent.pk, secret=PASSWORD
    )
    assert consent_valid(plan) == consent
    text = " ".join(
        p.extract_text() for p in PdfReader(io.BytesIO(bytes(consent.pdf or b""))).pages
    )
    assert "Anna Smith" in text
    assert consent.text_sha256 in "".join(text.split())  # the PDF wraps the long hash
    assert AuditEvent.objects.filter(object_id=consent.pk).count() == 2


def test_a_blank_signature_is_refused(personas: Personas, plan: TreatmentPlan) -> None:
    for bad in (
        blank_signature(),
        "",
        "data:image/png;base64,not-base64!",
        "data:image/jpeg;base64,AAAA",
    ):
        with pytest.raises(FieldErrors) as caught:
            _sign(personas, plan, signature_data_url=bad)
        assert "signature" in caught.value.errors
    assert not Consent.objects.exists()


def test_an_unticked_statement_is_refused(personas: Personas, plan: TreatmentPlan) -> None:
    keys = [s.key for s in _document(personas, plan).statements]  # type: ignore[attr-defined]
    with pytest.raises(FieldErrors) as caught:
        _sign(personas, plan, accepted=keys[:-1])
    assert f"statement_{keys[-1]}" in caught.value.errors
    with pytest.raises(FieldErrors):
        _sign(personas, plan, accepted=[])
    assert not Consent.objects.exists()


def test_photo_consent_is_a_separate_required_choice(
    personas: Personas, plan: TreatmentPlan
) -> None:
    with pytest.raises(FieldErrors) as caught:
        _sign(personas, plan, photo_consent=None, signer_name=" ")
    assert {"photo_consent", "signer_name"} <= set(caught.value.errors)


def test_a_changed_text_must_be_read_again(personas: Personas, plan: TreatmentPlan) -> None:
    with pytest.raises(FieldErrors):
        _sign(personas, plan, expected_sha256="0" * 64)


def test_a_signed_consent_is_frozen(personas: Personas, plan: TreatmentPlan) -> None:
    consent = _sign(personas, plan)
    consent.rendered_text = "something else"
    with pytest.raises(ValueError, match="frozen"):
        consent.save()
    with pytest.raises(ValueError, match="frozen"):
        consent.save(update_fields=["rendered_text"])


def test_withdrawal_is_recorded_and_ends_validity(personas: Personas, plan: TreatmentPlan) -> None:
    consent = sign_all(personas.nurse, plan, countersigner=personas.practitioner)
    with pytest.raises(FieldErrors):
        services.consent_withdraw(actor=personas.nurse, consent_id=consent.pk, reason=" ")
    services.consent_withdraw(
        actor=personas.nurse,
        consent_id=consent.pk,
        reason="Phoned on 2026-11-20: does not want to continue",
    )
    assert consent_valid(plan) is None
    with pytest.raises(Conflict):
        services.consent_countersign(
            actor=personas.practitioner, consent_id=consent.pk, secret=PASSWORD
        )


def test_only_practitioners_countersign(personas: Personas, plan: TreatmentPlan) -> None:
    consent = _sign(personas, plan)
    with pytest.raises(PermissionDenied):
        services.consent_countersign(actor=personas.nurse, consent_id=consent.pk, secret=PASSWORD)
    with pytest.raises(PermissionDenied):
        services.consent_sign(
            actor=personas.front_desk,
            plan_id=plan.pk,
            accepted=[],
            photo_consent=True,
            signer_name="x",
            signature_data_url=signature(),
            expected_sha256="",
        )


def test_templates_are_versioned_and_frozen_when_published(personas: Personas) -> None:
    draft = services.consent_template_create(
        actor=personas.practitioner,
        indication="cellulite",
        data={"extra_statements": ["I will not tan."]},
    )
    services.consent_template_update(
        actor=personas.practitioner, template_id=draft.pk, data={"introduction": "Welcome."}
    )
    v1 = services.consent_template_publish(actor=personas.practitioner, template_id=draft.pk)
    with pytest.raises(Conflict):
        services.consent_template_update(
            actor=personas.practitioner, template_id=v1.pk, data={"introduction": "Changed"}
        )
    v2 = services.consent_template_new_version(actor=personas.practitioner, template_id=v1.pk)
    assert (v2.version, v2.status, v2.introduction) == (2, "draft", "Welcome.")
    services.consent_template_publish(actor=personas.practitioner, template_id=v2.pk)
    v1.refresh_from_db()
    assert v1.status == "retired"
    with pytest.raises(FieldErrors):
        services.consent_template_create(actor=personas.practitioner, indication="magic", data={})


def test_a_clinic_statement_must_be_ticked_too(personas: Personas) -> None:
    draft = services.consent_template_create(
        actor=personas.practitioner,
        indication="facial_rejuvenation",
        data={"extra_statements": ["I will avoid sun."]},
    )
    services.consent_template_publish(actor=personas.practitioner, template_id=draft.pk)
    plan = active_plan(personas)
    keys = [s.key for s in _document(personas, plan).statements]  # type: ignore[attr-defined]
    assert "clinic_1" in keys
