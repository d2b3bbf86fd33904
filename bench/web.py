"""Server time and query count of patient search and the patient chart (in-process).

Run through `make bench` (bench/run.py sets production-like settings and the database).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
django.setup()

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from mesodesk.accounts.middleware import ACTIVE_CLINIC_KEY
from mesodesk.accounts.models import Membership
from mesodesk.core.testing import mark_mfa_verified
from mesodesk.patients.models import Condition, Medication, Patient

WARMUP = 20
ROUNDS = 400


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def measure(client: Client, urls: list[str]) -> dict[str, float]:
    for url in urls[:WARMUP]:
        client.get(url)
    times: list[float] = []
    queries: list[int] = []
    for url in urls:
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            response = client.get(url)
            elapsed = time.perf_counter() - start
        assert response.status_code == 200, (url, response.status_code)
        times.append(elapsed * 1000)
        queries.append(len(ctx.captured_queries))
    return {
        "p50_ms": round(statistics.median(times), 2),
        "p95_ms": round(percentile(times, 95), 2),
        "max_ms": round(max(times), 2),
        "queries_min": min(queries),
        "queries_max": max(queries),
        "requests": len(urls),
    }


def search_urls(rng: random.Random, patients: list[Patient]) -> list[str]:
    kinds: list[Callable[[Patient], str]] = [
        lambda p: p.family_key[:1],
        lambda p: p.family_key[:3],
        lambda p: p.given_key[:2],
        lambda p: f"{p.given_key} {p.family_key[:4]}",
        lambda p: p.date_of_birth.isoformat(),
        lambda p: p.phone_key[:6],
        lambda p: "",
    ]
    return [f"/patients/?q={kinds[i % len(kinds)](rng.choice(patients))}" for i in range(ROUNDS)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--label", default="")
    args = parser.parse_args()
    rng = random.Random(42)
    membership = Membership.objects.select_related("user", "clinic").get(
        role="practitioner", clinic__name="Riverside Clinic"
    )
    client = Client()
    client.force_login(membership.user)
    session = client.session
    session[ACTIVE_CLINIC_KEY] = str(membership.clinic_id)
    session.save()
    # Past the second log-in step, as the practitioner's code would take them (MFA).
    mark_mfa_verified(client, membership.user)

    total = Patient.objects.filter(clinic=membership.clinic).count()
    sample = list(Patient.objects.filter(clinic=membership.clinic).order_by("?")[:500])
    medicated = Medication.objects.filter(clinic=membership.clinic)
    rich = list(Patient.objects.filter(pk__in=medicated.values_list("patient_id")[:200]))
    conditions_max = max(
        (
            Condition.objects.filter(patient=p).count()
            + Medication.objects.filter(patient=p).count()
            for p in rich[:50]
        ),
        default=0,
    )
    # Screen the sampled patients (the seed skips it at this size) so the panel has findings.
    from mesodesk.accounts.actor import actor_for_membership
    from mesodesk.screening.models import Screening
    from mesodesk.screening.services import screening_refresh

    actor = actor_for_membership(membership)
    screened = set(
        Screening.objects.filter(patient__in=sample + rich).values_list("patient_id", flat=True)
    )
    for patient in sample + rich:
        if patient.pk not in screened:
            screening_refresh(actor=actor, patient_id=patient.pk)
    panel_urls = [
        f"/screening/patients/{rng.choice(sample + rich).pk}/panel/" for _ in range(ROUNDS)
    ]
    chart_urls = [
        f"/patients/{rng.choice(sample if i % 2 else rich or sample).pk}/" for i in range(ROUNDS)
    ]

    results = {
        "label": args.label,
        "patients_in_clinic": total,
        "search": measure(client, search_urls(rng, sample)),
        "chart": measure(client, chart_urls),
        "screening_panel": measure(client, panel_urls),
        "history_rows_of_richest_sampled_chart": conditions_max,
    }
    print(json.dumps(results))
    print(
        f"| {args.label} | search | {results['search']['p50_ms']} | {results['search']['p95_ms']} "
        f"| {results['search']['queries_min']}-{results['search']['queries_max']} |\n"
        f"| {args.label} | chart | {results['chart']['p50_ms']} | {results['chart']['p95_ms']} "
        f"| {results['chart']['queries_min']}-{results['chart']['queries_max']} |\n"
        f"| {args.label} | screening panel | {results['screening_panel']['p50_ms']} "
        f"| {results['screening_panel']['p95_ms']} | {results['screening_panel']['queries_min']}"
        f"-{results['screening_panel']['queries_max']} |",
        flush=True,
    )


if __name__ == "__main__":
    main()
