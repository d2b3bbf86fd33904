"""The injection maps: every region is a knowledge-base area, views follow the plan's areas,
and a point must land on an area the view shows."""

from __future__ import annotations

import pytest

from mesodesk.core.errors import FieldErrors
from mesodesk.core.testing import Personas
from mesodesk.knowledge.loader import knowledge
from mesodesk.sessions import services
from mesodesk.sessions.maps import VIEWS, map_views, views_for_areas
from mesodesk.sessions.tests.helpers import consented_plan, lot, started


def test_every_view_has_regions_and_every_region_is_a_knowledge_area() -> None:
    areas = set(knowledge().body_areas)
    assert set(map_views()) == set(VIEWS)
    for view in map_views().values():
        assert view.regions, view.code
        assert view.width > 0
        assert view.height > 0
        assert view.areas <= areas, (view.code, view.areas - areas)
        assert len({r.id for r in view.regions}) == len(view.regions)


def test_sided_regions_come_in_left_and_right_pairs() -> None:
    for view in map_views().values():
        sided = {(r.area, r.side) for r in view.regions if r.side}
        for area, side in sided:
            other = "left" if side == "right" else "right"
            if view.code not in ("face_left", "face_right"):  # a profile shows one side
                assert (area, other) in sided, (view.code, area, side)


@pytest.mark.parametrize(
    ("areas", "expected", "excluded"),
    [
        ({"full_face"}, {"face_front", "face_left", "face_right"}, {"body_front"}),
        ({"scalp"}, {"scalp_top"}, {"body_back"}),
        ({"abdomen"}, {"body_front"}, {"scalp_top", "face_left"}),
        ({"submental"}, {"face_front"}, {"body_back"}),
    ],
)
def test_the_views_offered_follow_the_plans_areas(
    areas: set[str], expected: set[str], excluded: set[str]
) -> None:
    views = set(views_for_areas(areas, knowledge()))
    assert expected <= views
    assert not views & excluded


@pytest.mark.django_db
def test_a_point_on_an_area_the_view_does_not_show_is_refused(personas: Personas) -> None:
    session = started(personas, consented_plan(personas))
    with pytest.raises(FieldErrors) as caught:
        services.point_add(
            actor=personas.practitioner,
            session_id=session.pk,
            data={
                "view": "scalp_top",
                "region": "cheeks",
                "side": "left",
                "x": 10,
                "y": 10,
                "lot_id": lot("HA-1").pk,
                "volume_ml": "0.05",
            },
        )
    assert "region" in caught.value.errors
