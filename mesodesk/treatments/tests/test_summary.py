"""The patient-facing summary: generated from the knowledge base, really rendered as PDF."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from pypdf import PdfReader

from mesodesk.catalog.tests.helpers import lidocaine_2, published, skin_booster
from mesodesk.core.pdf import render_pdf
from mesodesk.core.testing import Personas
from mesodesk.knowledge.loader import knowledge
from mesodesk.treatments import services
from mesodesk.treatments.selectors import plan_get
from mesodesk.treatments.summary import plan_summary, summary_document
from mesodesk.treatments.tests.helpers import screened_patient

pytestmark = pytest.mark.django_db


def _plan(personas: Personas) -> object:
    patient = screened_patient(personas.practitioner)
    protocol = published(personas.practitioner, "periocular_el_domyati_2012")
    plan = services.plan_create(
        actor=personas.practitioner,
        patient_id=patient.pk,
        data={
            "indication": "periocular_rejuvenation",
            "areas": ["periocular"],
            "protocol_id": protocol.pk,
        },
    )
    for product in (skin_booster(personas.clinic_admin), lidocaine_2(personas.clinic_admin)):
        services.mixline_add(
            actor=personas.practitioner,
            plan_id=plan.pk,
            product_id=product.pk,
            volume_ml=Decimal(1),
        )
    return plan_get(actor=personas.practitioner, plan_id=plan.pk)


def test_the_summary_says_what_how_often_how_good_and_what_is_off_label(
    personas: Personas,
) -> None:
    summary = plan_summary(_plan(personas), knowledge())  # type: ignore[arg-type]
    indication = knowledge().indications["periocular_rejuvenation"]
    assert summary.evidence == indication.patient_evidence
    assert "observational" in summary.evidence_level
    assert summary.schedule.startswith("6 sessions, 14 days apart.")
    assert "12 weeks" in summary.schedule
    names = dict(summary.ingredients)
    assert "off-label" in names["Lidocaine"].lower()
    assert any("Around the eyes this can last longer" in r for r in summary.reactions)
    assert any("weeks after treatment" in w for w in summary.warnings)


def test_the_pdf_really_renders_with_the_evidence_statement(personas: Personas) -> None:
    plan = _plan(personas)
    summary = plan_summary(plan, knowledge())  # type: ignore[arg-type]
    pdf = render_pdf(
        summary_document(
            summary,
            patient_name="Anna Smith",
            clinic_name="Clinic A",
            knowledge_version=knowledge().version,
        )
    )
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    flat = " ".join(text.split())
    assert "How good is the evidence?" in flat
    assert "found no significant change" in flat
    assert "off-label" in flat.lower()
    assert "Anna Smith" in flat
