"""A session brought to a given step of its workflow, for tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from mesodesk.catalog.models import Lot
from mesodesk.catalog.tests.helpers import kybella, published, receive
from mesodesk.consent.tests.helpers import active_plan, sign_all, template
from mesodesk.core.testing import Personas
from mesodesk.patients.services import condition_record
from mesodesk.treatments import charting, sessions
from mesodesk.treatments import services as plan_services
from mesodesk.treatments.models import TreatmentPlan, TreatmentSession
from mesodesk.treatments.tests.helpers import screened_patient

ANSWERS = {"pregnancy": "absent", "breastfeeding": "absent", "active_skin_infection": "absent"}


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


def prepared(personas: Personas, plan: TreatmentPlan) -> TreatmentSession:
    session = sessions.session_create(actor=personas.nurse, plan_id=plan.pk)
    sessions.session_check_in(actor=personas.front_desk, session_id=session.pk)
    sessions.session_prepare(actor=personas.nurse, session_id=session.pk)
    sessions.session_reconfirm(
        actor=personas.nurse, session_id=session.pk, answers=ANSWERS, medicines_unchanged=True
    )
    sessions.session_confirm_photos(actor=personas.nurse, session_id=session.pk)
    sessions.session_record_antisepsis(
        actor=personas.nurse, session_id=session.pk, agent="chlorhexidine_alcohol"
    )
    return TreatmentSession.objects.get(pk=session.pk)


def started(personas: Personas, plan: TreatmentPlan) -> TreatmentSession:
    session = prepared(personas, plan)
    return sessions.session_start(actor=personas.practitioner, session_id=session.pk)


def lot(number: str) -> Lot:
    return Lot.objects.get(lot_number=number)


def chart(
    personas: Personas,
    session: TreatmentSession,
    lot_number: str,
    count: int,
    volume: str = "0.05",
    region: str = "cheeks",
    side: str = "left",
) -> None:
    for index in range(count):
        charting.point_add(
            actor=personas.practitioner,
            session_id=session.pk,
            data={
                "view": "face_front",
                "region": region,
                "side": side,
                "x": 250 + index % 10,
                "y": 300 + index // 10,
                "lot_id": lot(lot_number).pk,
                "volume_ml": volume,
                "depth_mm": "1.5",
                "technique": "papule",
            },
        )


def an_hour_ago() -> dt.datetime:
    return timezone.now() - dt.timedelta(minutes=61)


__all__ = [
    "ANSWERS",
    "an_hour_ago",
    "chart",
    "consented_kybella_plan",
    "consented_plan",
    "lot",
    "prepared",
    "started",
]
