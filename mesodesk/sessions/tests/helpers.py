"""A session brought to a given step of its workflow, for tests."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from mesodesk.catalog.models import Lot
from mesodesk.consent.tests.helpers import consented_kybella_plan, consented_plan
from mesodesk.core.testing import Personas
from mesodesk.sessions import services
from mesodesk.sessions.models import TreatmentSession
from mesodesk.treatments.models import TreatmentPlan

ANSWERS = {"pregnancy": "absent", "breastfeeding": "absent", "active_skin_infection": "absent"}


def prepared(personas: Personas, plan: TreatmentPlan) -> TreatmentSession:
    # Tests run a course's sessions back to back: a later one starts early, with a reason.
    session = services.session_create(
        actor=personas.nurse, plan_id=plan.pk, early_reason="Back to back in a test."
    )
    services.session_check_in(actor=personas.front_desk, session_id=session.pk)
    services.session_prepare(actor=personas.nurse, session_id=session.pk)
    services.session_reconfirm(
        actor=personas.nurse, session_id=session.pk, answers=ANSWERS, medicines_unchanged=True
    )
    services.session_confirm_photos(actor=personas.nurse, session_id=session.pk)
    services.session_record_antisepsis(
        actor=personas.nurse, session_id=session.pk, agent="chlorhexidine_alcohol"
    )
    return TreatmentSession.objects.get(pk=session.pk)


def started(personas: Personas, plan: TreatmentPlan) -> TreatmentSession:
    session = prepared(personas, plan)
    return services.session_start(actor=personas.practitioner, session_id=session.pk)


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
    **extra: object,
) -> None:
    """Charts `count` points; `extra` adds form data such as `confirm_volume` or
    `over_limit_reason`."""
    for index in range(count):
        services.point_add(
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
                **extra,
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
