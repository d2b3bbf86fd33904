"""A drawn signature and a plan ready for consent, for tests."""

from __future__ import annotations

import base64
import io
from decimal import Decimal

from PIL import Image, ImageDraw

from mesodesk.accounts.actor import Actor
from mesodesk.catalog.tests.helpers import kybella, lidocaine_2, published, receive, skin_booster
from mesodesk.consent.document import consent_document
from mesodesk.consent.models import Consent, ConsentTemplate
from mesodesk.consent.services import (
    consent_countersign,
    consent_sign,
    consent_template_create,
    consent_template_publish,
)
from mesodesk.core.testing import PASSWORD, Personas
from mesodesk.knowledge.selectors import clinic_knowledge
from mesodesk.patients.services import condition_record
from mesodesk.treatments import services as plan_services
from mesodesk.treatments.models import TreatmentPlan
from mesodesk.treatments.selectors import plan_get
from mesodesk.treatments.tests.helpers import screened_patient


def signature(strokes: int = 3) -> str:
    image = Image.new("RGBA", (400, 150), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    for i in range(strokes):
        draw.line(
            [(20 + i * 40, 100), (80 + i * 60, 30), (140 + i * 70, 110)],
            fill=(20, 30, 40, 255),
            width=3,
        )
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def blank_signature() -> str:
    return signature(strokes=0)


def template(actor: Actor, indication: str = "facial_rejuvenation") -> ConsentTemplate:
    draft = consent_template_create(actor=actor, indication=indication, data={})
    return consent_template_publish(actor=actor, template_id=draft.pk)


def active_plan(personas: Personas, *, weight: str = "60") -> TreatmentPlan:
    """An active facial plan (HA booster 2 mL + lidocaine 2 % 1 mL) with lots in stock."""
    patient = screened_patient(personas.practitioner, weight=weight)
    protocol = published(personas.practitioner, "facial_ha_savoia_2013")
    booster = skin_booster(personas.clinic_admin)
    lido = lidocaine_2(personas.clinic_admin)
    receive(personas.nurse, booster, number="HA-1", ml="20")
    receive(personas.nurse, lido, number="LI-1", ml="20")
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
        actor=personas.practitioner, plan_id=plan.pk, product_id=booster.pk, volume_ml=Decimal(2)
    )
    plan_services.mixline_add(
        actor=personas.practitioner, plan_id=plan.pk, product_id=lido.pk, volume_ml=Decimal(1)
    )
    plan_services.plan_activate(actor=personas.practitioner, plan_id=plan.pk)
    return plan_get(actor=personas.practitioner, plan_id=plan.pk)


def sign_all(actor: Actor, plan: TreatmentPlan, *, countersigner: Actor | None = None) -> Consent:
    tpl = ConsentTemplate.objects.filter(
        clinic=actor.clinic, indication=plan.indication, status="published"
    ).first() or template(countersigner or actor, plan.indication)
    document = consent_document(plan, tpl, clinic_knowledge(actor.clinic))
    consent = consent_sign(
        actor=actor,
        plan_id=plan.pk,
        accepted=[s.key for s in document.statements],
        photo_consent=True,
        signer_name="Anna Smith",
        signature_data_url=signature(),
        expected_sha256=document.sha256,
    )
    if countersigner is not None:
        consent = consent_countersign(actor=countersigner, consent_id=consent.pk, secret=PASSWORD)
    return consent


def consented_plan(personas: Personas) -> TreatmentPlan:
    """An active facial plan (HA booster and lidocaine lots in stock) with a valid consent."""
    template(personas.practitioner)
    plan = active_plan(personas)
    sign_all(personas.nurse, plan, countersigner=personas.practitioner)
    return plan


def consented_kybella_plan(personas: Personas, volume_ml: str) -> TreatmentPlan:
    """An active submental plan of deoxycholic acid (lot DC-1, 20 mL) with a valid consent."""
    template(personas.practitioner, "submental_fat")
    patient = screened_patient(personas.practitioner)
    condition_record(
        actor=personas.practitioner,
        patient_id=patient.pk,
        data={"code": "dysphagia", "verification_status": "refuted"},
    )
    protocol = published(personas.practitioner, "kybella_label")
    dc = kybella(personas.clinic_admin)
    receive(personas.nurse, dc, number="DC-1", ml="20")
    plan = plan_services.plan_create(
        actor=personas.practitioner,
        patient_id=patient.pk,
        data={"indication": "submental_fat", "areas": ["submental"], "protocol_id": protocol.pk},
    )
    plan_services.mixline_add(
        actor=personas.practitioner, plan_id=plan.pk, product_id=dc.pk, volume_ml=Decimal(volume_ml)
    )
    plan_services.plan_activate(actor=personas.practitioner, plan_id=plan.pk)
    sign_all(personas.nurse, plan, countersigner=personas.practitioner)
    return plan
