"""Protocols: cloned from published templates, edited as drafts, frozen when published,
versioned."""

from __future__ import annotations

import pytest

from mesodesk.catalog.models import Protocol
from mesodesk.catalog.services.protocols import (
    protocol_clone,
    protocol_create,
    protocol_new_version,
    protocol_publish,
    protocol_update,
)
from mesodesk.core.errors import Conflict, FieldErrors, PermissionDenied
from mesodesk.core.testing import Personas
from mesodesk.knowledge.loader import knowledge
from mesodesk.knowledge.services import knowledge_change_record

pytestmark = pytest.mark.django_db


def test_every_template_clones_and_publishes(personas: Personas) -> None:
    for code in knowledge().protocols:
        protocol = protocol_clone(actor=personas.practitioner, template_code=code)
        protocol_publish(actor=personas.practitioner, protocol_id=protocol.pk)
    assert Protocol.objects.filter(status="published").count() == len(knowledge().protocols)


def test_the_published_study_protocols_are_faithful(personas: Personas) -> None:
    periocular = protocol_clone(
        actor=personas.practitioner, template_code="periocular_el_domyati_2012"
    )
    assert (periocular.sessions, periocular.interval_min_days) == (6, 14)
    assert periocular.sources == ["S12"]
    back = protocol_clone(
        actor=personas.practitioner, template_code="low_back_pain_costantino_2011"
    )
    assert back.schedule_days == [0, 3, 6, 9, 12]  # days 1, 4, 7, 10 and 13
    facial = protocol_clone(actor=personas.practitioner, template_code="facial_ha_savoia_2013")
    assert (facial.sessions, facial.interval_min_days) == (4, 15)
    kybella = protocol_clone(actor=personas.practitioner, template_code="kybella_label")
    assert (kybella.sessions, kybella.interval_min_days, kybella.interval_max_days) == (6, 28, None)


def test_a_published_protocol_is_frozen_and_versioned(personas: Personas) -> None:
    draft = protocol_clone(actor=personas.practitioner, template_code="facial_ha_savoia_2013")
    protocol_update(
        actor=personas.practitioner,
        protocol_id=draft.pk,
        data={"technique": "nappage", "points_per_area": 120},
    )
    v1 = protocol_publish(actor=personas.practitioner, protocol_id=draft.pk)
    with pytest.raises(Conflict):
        protocol_update(actor=personas.practitioner, protocol_id=v1.pk, data={"sessions": 5})
    v2 = protocol_new_version(actor=personas.practitioner, protocol_id=v1.pk)
    assert (v2.version, v2.status, v2.family, v2.technique) == (2, "draft", v1.family, "nappage")
    with pytest.raises(Conflict):
        protocol_new_version(actor=personas.practitioner, protocol_id=v1.pk)
    protocol_update(actor=personas.practitioner, protocol_id=v2.pk, data={"sessions": 5})
    protocol_publish(actor=personas.practitioner, protocol_id=v2.pk)
    v1.refresh_from_db()
    assert v1.status == "retired"
    assert v1.sessions == 4


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"interval_min_days": 20, "interval_max_days": 10}, "interval_max_days"),
        ({"schedule_days": [0, 5, 3, 9]}, "schedule_days"),
        ({"technique": "acupuncture"}, "technique"),
        ({"photo_views_baseline": ["selfie"]}, "photo_views_baseline"),
        ({"anaesthesia": "topical", "anaesthesia_minutes": None}, "anaesthesia_minutes"),
        ({"depth_min_mm": 4, "depth_max_mm": 2}, "depth_max_mm"),
        ({"sessions": 0}, "sessions"),
        ({"sessions": 61}, "sessions"),
        ({"interval_min_days": 5000, "interval_max_days": None}, "interval_min_days"),
        ({"interval_max_days": 366}, "interval_max_days"),
        ({"points_per_area": 1001}, "points_per_area"),
        ({"anaesthesia": "topical", "anaesthesia_minutes": 241}, "anaesthesia_minutes"),
        ({"follow_up_weeks": 521}, "follow_up_weeks"),
        ({"maintenance_interval_days": 3651}, "maintenance_interval_days"),
        ({"maintenance_interval_days": 0}, "maintenance_interval_days"),
    ],
)
def test_a_draft_refuses_bad_values(
    personas: Personas, data: dict[str, object], field: str
) -> None:
    draft = protocol_clone(actor=personas.practitioner, template_code="facial_ha_savoia_2013")
    with pytest.raises(FieldErrors) as caught:
        protocol_update(actor=personas.practitioner, protocol_id=draft.pk, data=data)
    assert field in caught.value.errors
    draft.refresh_from_db()
    assert draft.sessions == 4


def test_a_clinic_writes_its_own_protocol(personas: Personas) -> None:
    protocol = protocol_create(
        actor=personas.practitioner,
        data={
            "name": "Cellulite — clinic protocol",
            "indication": "cellulite",
            "sessions": 8,
            "interval_min_days": 7,
            "interval_max_days": 14,
            "technique": "nappage",
        },
    )
    assert protocol.status == "draft"
    assert protocol.sources == []


def test_nurses_and_front_desk_cannot_write_protocols(personas: Personas) -> None:
    for actor in (personas.nurse, personas.front_desk):
        with pytest.raises(PermissionDenied):
            protocol_clone(actor=actor, template_code="kybella_label")


def test_unknown_templates_are_field_errors(personas: Personas) -> None:
    with pytest.raises(FieldErrors):
        protocol_clone(actor=personas.practitioner, template_code="miracle_cure")


def test_the_plausibility_bounds_still_accept_their_limits(personas: Personas) -> None:
    draft = protocol_clone(actor=personas.practitioner, template_code="facial_ha_savoia_2013")
    protocol_update(
        actor=personas.practitioner,
        protocol_id=draft.pk,
        data={
            "sessions": 4,
            "interval_min_days": 365,
            "interval_max_days": 365,
            "follow_up_weeks": 520,
            "maintenance_interval_days": 3650,
        },
    )
    draft.refresh_from_db()
    assert (draft.interval_min_days, draft.maintenance_interval_days) == (365, 3650)


def test_a_clone_takes_the_topical_anaesthetic_time_the_clinic_configured(
    personas: Personas,
) -> None:
    knowledge_change_record(
        actor=personas.clinic_admin,
        target_kind="setting",
        target_code="topical_anaesthetic_minutes",
        change={"value": 40},
        reason="Agreed at the clinical governance meeting of 2026-11-01",
    )
    ours = protocol_clone(actor=personas.practitioner, template_code="facial_amin_2006")
    theirs = protocol_clone(actor=personas.foreign_practitioner, template_code="facial_amin_2006")
    assert ours.anaesthesia == "topical"
    assert ours.anaesthesia_minutes == 40
    assert theirs.anaesthesia_minutes == knowledge().setting("topical_anaesthetic_minutes")
