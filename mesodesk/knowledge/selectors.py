"""Reads of the knowledge base: the effective knowledge of a clinic, and its change log."""

from __future__ import annotations

import threading

from django.db.models import Max, QuerySet

from mesodesk.accounts.models import Clinic
from mesodesk.knowledge.config import Change, apply_changes
from mesodesk.knowledge.loader import KnowledgeBase, knowledge
from mesodesk.knowledge.models import ClinicKnowledgeChange, KnowledgeRelease

_cache: dict[object, tuple[int, KnowledgeBase]] = {}
_lock = threading.Lock()


def clinic_knowledge(clinic: Clinic) -> KnowledgeBase:
    """The knowledge base as this clinic configured it (one query when nothing changed)."""
    latest = ClinicKnowledgeChange.objects.filter(clinic=clinic).aggregate(r=Max("revision"))
    revision = int(latest["r"] or 0)
    if revision == 0:
        return knowledge()
    base = knowledge()
    key = (clinic.pk, base.version)
    cached = _cache.get(key)
    if cached is not None and cached[0] == revision:
        return cached[1]
    changes = [
        Change(c.revision, c.target_kind, c.target_code, c.change)  # type: ignore[arg-type]
        for c in ClinicKnowledgeChange.objects.filter(clinic=clinic).order_by("revision")
    ]
    effective = apply_changes(base, changes, clinic_key=f"clinic-{clinic.pk.hex[:8]}")
    with _lock:
        _cache[key] = (revision, effective)
    return effective


def knowledge_changes(*, clinic: Clinic) -> QuerySet[ClinicKnowledgeChange]:
    return (
        ClinicKnowledgeChange.objects.filter(clinic=clinic)
        .select_related("changed_by")
        .order_by("-revision")
    )


def knowledge_release_current() -> KnowledgeRelease | None:
    return KnowledgeRelease.objects.filter(version=knowledge().version).first()
