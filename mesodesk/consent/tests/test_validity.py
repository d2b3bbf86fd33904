"""One rule says whether a plan's consent allows the procedure (the latest consent,
countersigned, not withdrawn, signed for the plan as it is now), and the session services,
the plan page's panel and the API all follow it. The PDF copy reproduces the signed text word
for word."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from mesodesk.catalog.tests.helpers import lidocaine_2, published, skin_booster
from mesodesk.consent.document import consent_document
from mesodesk.consent.models import Consent, ConsentTemplate
from mesodesk.consent.selectors import consent_state
from mesodesk.consent.services import (
    consent_template_create,
    consent_template_new_version,
    consent_template_publish,
)
from mesodesk.consent.tests.helpers import active_plan, consented_kybella_plan, sign_all, template
from mesodesk.core.testing import Personas, api_client, logged_in_client, pdf_text
from mesodesk.knowledge.selectors import clinic_knowledge
from mesodesk.treatments import services as plan_services
from mesodesk.treatments.models import TreatmentPlan
from mesodesk.treatments.tests.helpers import screened_patient

pytestmark = pytest.mark.django_db


def _draft_plan(personas: Personas) -> TreatmentPlan:
    patient = screened_patient(personas.practitioner)
    protocol = published(personas.practitioner, "facial_ha_savoia_2013")
    plan = plan_services.plan_create(
        actor=personas.practitioner,
        patient_id=patient.pk,
        data={
            "indication": "facial_rejuvenation",
            "areas": ["full_face"],
            "protocol_id": protocol.pk,
        },
    )
    plan_services.mixline_add(
        actor=personas.practitioner,
        plan_id=plan.pk,
        product_id=skin_booster(personas.clinic_admin).pk,
        volume_ml=Decimal(2),
    )
    return TreatmentPlan.objects.get(pk=plan.pk)


def test_a_plan_changed_after_countersigning_needs_a_new_consent_everywhere(
    personas: Personas,
) -> None:
    template(personas.practitioner)
    plan = _draft_plan(personas)
    consent = sign_all(personas.nurse, plan, countersigner=personas.practitioner)
    assert consent_state(plan).valid
    plan_services.mixline_add(
        actor=personas.practitioner,
        plan_id=plan.pk,
        product_id=lidocaine_2(personas.clinic_admin).pk,
        volume_ml=Decimal(1),
    )
    plan.refresh_from_db()
    state = consent_state(plan)
    assert not state.valid
    assert state.stale
    assert state.reason == "The plan changed after the consent was signed; sign it again."
    listed = api_client(personas.practitioner).get(f"/api/v1/plans/{plan.pk}/consents").json()
    assert [c["valid_for_current_plan"] for c in listed] == [False]
    panel = logged_in_client(personas.practitioner).get(
        reverse("consent:plan_panel", args=[plan.pk])
    )
    assert "the plan changed since: sign again" in panel.content.decode()
    assert Consent.objects.get(pk=consent.pk).status == "signed"


def test_only_the_latest_consent_counts_as_valid(personas: Personas) -> None:
    template(personas.practitioner)
    plan = active_plan(personas)
    first = sign_all(personas.nurse, plan, countersigner=personas.practitioner)
    client = api_client(personas.practitioner)
    assert client.get(f"/api/v1/consents/{first.pk}").json()["valid_for_current_plan"] is True
    # The clinic publishes a new version of the consent text: the patient signs it again.
    newer = consent_template_new_version(actor=personas.practitioner, template_id=first.template_id)
    consent_template_publish(actor=personas.practitioner, template_id=newer.pk)
    second = sign_all(personas.nurse, plan)  # signed again, not yet countersigned
    assert consent_state(plan).latest == second
    assert not consent_state(plan).valid
    listed = {
        c["id"]: c["valid_for_current_plan"]
        for c in client.get(f"/api/v1/plans/{plan.pk}/consents").json()
    }
    assert listed == {str(first.pk): False, str(second.pk): False}


def test_the_pdf_reproduces_every_line_of_the_signed_text(personas: Personas) -> None:
    draft = consent_template_create(
        actor=personas.practitioner,
        indication="facial_rejuvenation",
        data={
            "introduction": "WELCOME TO OUR CLINIC\n\nPlease read this twice.",
            "extra_statements": ["I WILL NOT DRIVE MYSELF HOME."],
        },
    )
    consent_template_publish(actor=personas.practitioner, template_id=draft.pk)
    plan = active_plan(personas)
    consent = sign_all(personas.nurse, plan, countersigner=personas.practitioner)
    text = pdf_text(bytes(consent.pdf or b""))
    for line in consent.rendered_text.splitlines():
        if line.strip():
            assert " ".join(line.split()) in text, line
    assert "Welcome To Our Clinic" not in text  # nothing is re-cased


def test_a_mix_without_off_label_medicines_shows_the_approved_product_instead(
    personas: Personas,
) -> None:
    plan = consented_kybella_plan(personas, "2")  # deoxycholic acid alone, on its label
    kb = clinic_knowledge(personas.clinic_a)
    document = consent_document(plan, Consent.objects.get(plan=plan).template, kb)
    [approval] = [s for s in document.sections if s.heading == "Approval and off-label use"]
    assert approval.paragraphs == (kb.indications["submental_fat"].approved_products,)
    assert approval.bullets == ()
    assert "off_label" not in {s.key for s in document.statements}


def test_an_off_label_mix_says_so_from_the_knowledge_base(personas: Personas) -> None:
    template(personas.practitioner)
    plan = active_plan(personas)  # lidocaine in a mesotherapy mix is off-label
    kb = clinic_knowledge(personas.clinic_a)
    document = consent_document(plan, ConsentTemplate.objects.get(status="published"), kb)
    [approval] = [s for s in document.sections if s.heading == "Approval and off-label use"]
    assert approval.paragraphs == (kb.text("mesotherapy_not_approved"),)
    assert any(b.startswith("Lidocaine:") for b in approval.bullets)


def test_the_database_refuses_a_status_that_disagrees_with_the_timestamps(
    personas: Personas,
) -> None:
    from django.db import IntegrityError, transaction

    template(personas.practitioner)
    consent = sign_all(personas.nurse, active_plan(personas))  # awaiting countersignature
    with pytest.raises(IntegrityError), transaction.atomic():
        Consent.objects.filter(pk=consent.pk).update(status="signed")
    with pytest.raises(IntegrityError), transaction.atomic():
        Consent.objects.filter(pk=consent.pk).update(status="withdrawn")
    assert Consent.objects.get(pk=consent.pk).status == "awaiting"
