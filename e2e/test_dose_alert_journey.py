"""A point over a hard limit, charted by tapping the map on a 1024-px tablet: the volume is
confirmed and the alert at the top of the page (in view, not below the fold) asks for the
reason before the point is charted."""

from __future__ import annotations

import os
from typing import Any

import pytest

from e2e.helpers import log_in
from e2e.test_session_journey import POINTS_IN_REGION
from mesodesk.consent.tests.helpers import consented_plan
from mesodesk.core.testing import Personas
from mesodesk.sessions.models import InjectionPoint
from mesodesk.sessions.tests.helpers import chart, lot, started

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_point_over_the_lidocaine_limit_asks_for_a_reason_at_the_top(
    live_server: Any, personas: Personas, new_page: Any
) -> None:
    session = started(personas, consented_plan(personas))
    # 250 mg of lidocaine charted; the limit for this 60 kg patient is 270 mg.
    chart(personas, session, "LI-1", 10, volume="1.25", confirm_volume=True)
    page = new_page()
    log_in(page, live_server.url, "practitioner@a.test")
    page.goto(f"{live_server.url}/plans/sessions/{session.pk}/")
    page.select_option("#point-form #id_lot", str(lot("LI-1").pk))
    page.fill("#point-form #id_volume_ml", "1.25")
    page.locator(".injection-map svg").scroll_into_view_if_needed()
    x, y = page.evaluate(POINTS_IN_REGION, ["#face_front-forehead", 3])[1]
    page.mouse.click(x, y)
    page.wait_for_selector("#dose-alert-ask input[name=confirm_volume]")
    page.check("#dose-alert-ask input[name=confirm_volume]")
    page.click("#dose-alert-chart")
    page.wait_for_selector("#dose-alert-ask textarea[name=over_limit_reason]")
    assert InjectionPoint.objects.filter(session=session).count() == 10
    box = page.locator("#dose-alert-ask").bounding_box()
    assert box is not None
    assert -2 < box["y"] < page.viewport_size["height"] / 2  # in view, where the person looks
    if os.environ.get("MESODESK_SCREENSHOTS"):
        page.screenshot(path="docs/screenshots/dose-alert.png", full_page=False)
    page.fill("#dose-alert-ask textarea[name=over_limit_reason]", "Wider area than planned")
    page.click("#dose-alert-chart")
    page.wait_for_selector("#chart[data-points='11']")
    page.wait_for_selector("#record-flags .dose-flag")
    assert page.locator("#dose-alert-ask").count() == 0
    point = InjectionPoint.objects.filter(session=session).latest("created_at")
    assert point.over_limit_reason == "Wider area than planned"
