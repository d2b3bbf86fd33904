"""The header stays on one line at 1024 px, the narrowest screen the clinic uses (a tablet
in landscape), even for a staff member who sees every menu entry."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from e2e.helpers import log_in
from mesodesk.core.testing import Personas

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[1] / "var" / "screenshots"


def test_the_header_does_not_wrap_at_1024_px(
    live_server: Any, personas: Personas, new_page: Any
) -> None:
    user = personas.clinic_admin.user
    assert user is not None
    user.full_name = "Dr Alexandra Montgomery-Fairweather"
    user.is_staff = True
    user.save()
    personas.clinic_a.name = "Riverside Aesthetic Clinic"
    personas.clinic_a.save()

    page = new_page()
    log_in(page, live_server.url, user.email)
    page.goto(f"{live_server.url}/catalog/")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "header-1024.png"))

    assert page.viewport_size["width"] == 1024
    middles = page.eval_on_selector_all(
        "header.top .brand, header.top nav a, header.top .account > summary",
        "els => els.map(e => e.getBoundingClientRect()).map(r => r.top + r.height / 2)",
    )
    assert len(middles) >= 8  # brand, every menu entry and the user's menu
    # One row: every item centred on the same line, nothing dropped to a second one.
    assert max(middles) - min(middles) <= 4, middles
    assert page.eval_on_selector("header.top", "e => e.getBoundingClientRect().height") < 64
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 1024  # and nothing pushed off to the side either
    assert page.locator("link[rel=icon]").count() == 1
    # The account's links open under the name, inside the page.
    page.click("header .account > summary")
    logout = page.locator("header button:has-text('Log out')")
    assert logout.is_visible()
    box = logout.bounding_box()
    assert box is not None
    assert box["x"] + box["width"] <= 1024
    page.screenshot(path=str(SCREENSHOTS / "header-1024-account-menu.png"))
