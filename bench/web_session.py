"""Server time and query count of the session page and of charting one point (in-process).

Builds, through the services, one consented facial plan on the seeded demo clinic and one
session in procedure, then measures the session page with 30 and with 300 charted points and
the HTMX request that charts a point. Run through `make bench`.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
django.setup()

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from mesodesk.accounts.actor import actor_for_membership
from mesodesk.accounts.middleware import ACTIVE_CLINIC_KEY
from mesodesk.accounts.models import Membership
from mesodesk.catalog.models import Lot, Protocol
from mesodesk.consent.document import consent_document
from mesodesk.consent.models import ConsentTemplate
from mesodesk.consent.services import (
    consent_countersign,
    consent_sign,
    consent_template_create,
    consent_template_publish,
)
from mesodesk.core.testing import adult_patient_data, mark_mfa_verified
from mesodesk.demo.seed import DEMO_PASSWORD
from mesodesk.knowledge.loader import knowledge
from mesodesk.knowledge.selectors import clinic_knowledge
from mesodesk.patients.services import condition_record, history_list_review, patient_create
from mesodesk.sessions import checklist, services
from mesodesk.sessions.models import TreatmentSession
from mesodesk.treatments import services as plans

WARMUP = 10
ROUNDS = 200
SIGNATURE_STROKES = 4


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))]


def summary(times: list[float], queries: list[int]) -> dict[str, float]:
    return {
        "p50_ms": round(statistics.median(times), 2),
        "p95_ms": round(percentile(times, 95), 2),
        "queries_min": min(queries),
        "queries_max": max(queries),
        "requests": len(times),
    }


def drawn_signature() -> str:
    import base64
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (400, 150), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    for i in range(SIGNATURE_STROKES):
        draw.line([(20 + i * 40, 100), (80 + i * 60, 30)], fill=(0, 0, 0, 255), width=3)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def ensure_catalog(membership: Membership) -> None:
    """Databases seeded before the catalog existed get the demo catalog once."""
    from django.utils import timezone

    from mesodesk.catalog.models import Product
    from mesodesk.demo.catalog_seed import seed_catalog

    if not Product.objects.filter(clinic=membership.clinic).exists():
        admin = Membership.objects.get(clinic=membership.clinic, role="clinic_admin")
        seed_catalog(actor=actor_for_membership(admin), today=timezone.now().date())


def session_in_procedure(membership: Membership) -> TreatmentSession:
    ensure_catalog(membership)
    actor = actor_for_membership(membership)
    # Each run registers its own bench patient under the same name: a second chart on purpose.
    patient = patient_create(
        actor=actor,
        data={**adult_patient_data(), "weight_kg": Decimal(70)},
        duplicate_reason="A fresh benchmark patient for this run.",
    )
    for code in knowledge().conditions:
        if code != "other":
            condition_record(
                actor=actor,
                patient_id=patient.pk,
                data={"code": code, "verification_status": "refuted"},
            )
    for which in ("medications", "allergies"):
        history_list_review(actor=actor, patient_id=patient.pk, which=which)
    protocol = Protocol.objects.filter(
        clinic=membership.clinic, template_code="facial_ha_savoia_2013", status="published"
    ).first()
    lot = Lot.objects.filter(
        clinic=membership.clinic, product__name__startswith="Skin booster", status="available"
    ).order_by("-expiry_date")[0]
    plan = plans.plan_create(
        actor=actor,
        patient_id=patient.pk,
        data={
            "indication": "facial_rejuvenation",
            "areas": ["full_face"],
            "protocol_id": protocol.pk if protocol else None,
        },
    )
    plans.mixline_add(actor=actor, plan_id=plan.pk, product_id=lot.product_id, volume_ml=Decimal(2))
    plans.plan_activate(actor=actor, plan_id=plan.pk)
    template = ConsentTemplate.objects.filter(
        clinic=membership.clinic, indication="facial_rejuvenation", status="published"
    ).first()
    if template is None:
        draft = consent_template_create(actor=actor, indication="facial_rejuvenation", data={})
        template = consent_template_publish(actor=actor, template_id=draft.pk)
    plan.refresh_from_db()
    document = consent_document(plan, template, clinic_knowledge(membership.clinic))
    consent = consent_sign(
        actor=actor,
        plan_id=plan.pk,
        accepted=[s.key for s in document.statements],
        photo_consent=True,
        signer_name="Bench Patient",
        signature_data_url=drawn_signature(),
        expected_sha256=document.sha256,
    )
    consent_countersign(actor=actor, consent_id=consent.pk, secret=DEMO_PASSWORD)
    session = services.session_create(actor=actor, plan_id=plan.pk)
    services.session_prepare(actor=actor, session_id=session.pk)
    answers = {code: "absent" for code, _, _ in checklist.time_sensitive_questions(actor, session)}
    services.session_reconfirm(
        actor=actor, session_id=session.pk, answers=answers, medicines_unchanged=True
    )
    services.session_confirm_photos(actor=actor, session_id=session.pk)
    services.session_record_antisepsis(
        actor=actor, session_id=session.pk, agent="chlorhexidine_alcohol"
    )
    return services.session_start(actor=actor, session_id=session.pk)


def chart(membership: Membership, session: TreatmentSession, count: int) -> None:
    actor = actor_for_membership(membership)
    lot = Lot.objects.filter(
        clinic=membership.clinic, product__name__startswith="Skin booster", status="available"
    ).order_by("-expiry_date")[0]
    for index in range(count):
        services.point_add(
            actor=actor,
            session_id=session.pk,
            data={
                "view": "face_front",
                "region": "cheeks",
                "side": "left",
                "x": 250 + index % 20,
                "y": 260 + index // 20,
                "lot_id": lot.pk,
                # Below the clinic's usual 0.01 mL per injection: the clinician confirms it.
                "volume_ml": "0.005",
                "confirm_volume": True,
            },
        )


def measure_page(client: Client, url: str) -> dict[str, float]:
    for _ in range(WARMUP):
        client.get(url)
    times: list[float] = []
    queries: list[int] = []
    for _ in range(ROUNDS):
        connection.queries_log.clear()  # the log keeps 9,000 entries; counts need room
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.status_code
        queries.append(len(ctx.captured_queries))
    return summary(times, queries)


def measure_point_add(client: Client, session: TreatmentSession, lot_id: str) -> dict[str, float]:
    times: list[float] = []
    queries: list[int] = []
    for index in range(ROUNDS):
        connection.queries_log.clear()  # the log keeps 9,000 entries; counts need room
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            response = client.post(
                f"/plans/sessions/{session.pk}/points/",
                {
                    "kind": "point",
                    "lot": lot_id,
                    "volume_ml": "0.005",
                    "confirm_volume": "on",
                    "view": "face_front",
                    "region": "forehead",
                    "side": "",
                    "x": str(180 + index % 40),
                    "y": str(130 + index // 40),
                },
                headers={"HX-Request": "true"},
            )
            times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.status_code
        queries.append(len(ctx.captured_queries))
    return summary(times, queries)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--label", default="")
    args = parser.parse_args()
    membership = Membership.objects.select_related("user", "clinic").get(
        role="practitioner", clinic__name="Riverside Clinic"
    )
    client = Client()
    client.force_login(membership.user)
    browser_session = client.session
    browser_session[ACTIVE_CLINIC_KEY] = str(membership.clinic_id)
    browser_session.save()
    # Past the second log-in step, as the practitioner's code would take them (MFA).
    mark_mfa_verified(client, membership.user)

    session = session_in_procedure(membership)
    url = f"/plans/sessions/{session.pk}/"
    chart(membership, session, 30)
    page_30 = measure_page(client, url)
    chart(membership, session, 270)
    page_300 = measure_page(client, url)
    lot = Lot.objects.filter(
        clinic=membership.clinic, product__name__startswith="Skin booster", status="available"
    ).order_by("-expiry_date")[0]
    point_add = measure_point_add(client, session, str(lot.pk))
    results = {
        "label": args.label,
        "session_page_30_points": page_30,
        "session_page_300_points": page_300,
        "chart_one_point_htmx": point_add,
    }
    print(json.dumps(results))
    for name, row in (
        ("session page, 30 points", page_30),
        ("session page, 300 points", page_300),
        ("chart a point (HTMX, 300-500 points)", point_add),
    ):
        print(
            f"| {args.label} | {name} | {row['p50_ms']} | {row['p95_ms']} "
            f"| {row['queries_min']}-{row['queries_max']} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
