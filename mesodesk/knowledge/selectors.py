"""Reads of the knowledge base: the effective knowledge of a clinic, and its change log."""

from __future__ import annotations

import threading

from django.db.models import Max, QuerySet

from mesodesk.accounts.models import Clinic
from mesodesk.knowledge.config import Change, Configured, configure
from mesodesk.knowledge.loader import KnowledgeBase, knowledge
from mesodesk.knowledge.models import ClinicKnowledgeChange, KnowledgeRelease

_cache: dict[object, tuple[int, Configured]] = {}
_lock = threading.Lock()


def clinic_configuration(clinic: Clinic) -> Configured:
    """The clinic's knowledge base and the rules it switched off, cached per revision."""
    latest = ClinicKnowledgeChange.objects.filter(clinic=clinic).aggregate(r=Max("revision"))
    revision = int(latest["r"] or 0)
    base = knowledge()
    if revision == 0:
        return Configured(base, {})
    key = (clinic.pk, base.version)
    cached = _cache.get(key)
    if cached is not None and cached[0] == revision:
        return cached[1]
    changes = [
        Change(c.revision, c.target_kind, c.target_code, c.change)  # type: ignore[arg-type]
        for c in ClinicKnowledgeChange.objects.filter(clinic=clinic).order_by("revision")
    ]
    configured = configure(base, changes, clinic_key=f"clinic-{clinic.pk.hex[:8]}")
    with _lock:
        _cache[key] = (revision, configured)
    return configured


def clinic_knowledge(clinic: Clinic) -> KnowledgeBase:
    """The knowledge base as this clinic configured it (one query when nothing changed)."""
    return clinic_configuration(clinic).kb


def knowledge_changes(*, clinic: Clinic) -> QuerySet[ClinicKnowledgeChange]:
    return (
        ClinicKnowledgeChange.objects.filter(clinic=clinic)
        .select_related("changed_by")
        .order_by("-revision")
    )


def knowledge_release_current() -> KnowledgeRelease | None:
    return KnowledgeRelease.objects.filter(version=knowledge().version).first()
