"""A clinic admin invites a nurse and changes a role in place; the invitee sets a password from
the e-mailed link and goes on to set up the second log-in step; break-glass end to end."""

from __future__ import annotations

from typing import Any

import pytest

from e2e.helpers import log_in
from mesodesk.core.testing import Personas
from mesodesk.staff.tests.helpers import STRONG, invitation_token_sent_to

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_admin_invites_a_nurse_who_signs_in_with_the_link(
    live_server: Any, personas: Personas, new_page: Any
) -> None:
    admin = new_page()
    log_in(admin, live_server.url, "admin@a.test")
    admin.click("nav >> text=Staff")
    admin.wait_for_selector("h1:has-text('Staff')")

    admin.fill("#id_full_name", "Nora Newman")
    admin.fill("#id_email", "nora@a.test")
    admin.select_option("#id_role", "nurse")
    admin.click("button:has-text('Send invitation')")
    admin.wait_for_selector(".messages >> text=An invitation was e-mailed to nora@a.test")
    assert "nora@a.test" in admin.locator("text=Open invitations >> xpath=..").inner_text()

    # Change the front desk's role in place (HTMX swaps the row).
    row = admin.locator("tr:has-text('frontdesk@a.test')")
    row.locator("select").select_option("nurse")
    row.locator("button:has-text('Change')").click()
    admin.wait_for_selector("tr:has-text('frontdesk@a.test') select >> nth=0")
    admin.wait_for_function(
        'document.querySelector("tr[id^=member-] select option[selected][value=nurse]") !== null'
    )
    admin.screenshot(path="docs/screenshots/staff.png", full_page=False)
    width = admin.evaluate("document.documentElement.scrollWidth")
    assert width <= 1024, f"the staff page scrolls sideways at 1024 px ({width})"

    invitee = new_page()
    token = invitation_token_sent_to("nora@a.test")
    invitee.goto(f"{live_server.url}/staff/invitation/{token}/")
    invitee.fill("#id_password", STRONG)
    invitee.fill("#id_password_again", STRONG)
    invitee.click("button:has-text('Set password and sign in')")
    # Nurses must use a second step: the first log-in continues with setting it up.
    invitee.wait_for_url("**/accounts/mfa/enrol/**")


def test_front_desk_breaks_the_glass_and_an_auditor_signs_it_off(
    live_server: Any, personas: Personas, new_page: Any
) -> None:
    from mesodesk.core.testing import adult_patient_data
    from mesodesk.patients.services import allergy_record, patient_create

    patient = patient_create(actor=personas.practitioner, data=adult_patient_data())
    allergy_record(
        actor=personas.practitioner,
        patient_id=patient.pk,
        data={"substance": "Lidocaine", "allergy_group": "amide_local_anaesthetic"},
    )
    desk = new_page()
    log_in(desk, live_server.url, "frontdesk@a.test")
    desk.goto(f"{live_server.url}/patients/{patient.pk}/")
    desk.click("a:has-text('Emergency access')")
    desk.fill("#id_reason", "Fainted at reception; the ambulance crew asks for allergies.")
    desk.click("button:has-text('Open the chart')")
    desk.wait_for_selector("text=Emergency (break-glass) access to this chart")
    desk.wait_for_selector("text=Lidocaine")
    desk.screenshot(path="docs/screenshots/break-glass-chart.png", full_page=False)

    auditor = new_page()
    log_in(auditor, live_server.url, "auditor@a.test")
    auditor.click("nav >> text=Break-glass")
    auditor.wait_for_selector("text=Waiting for review (1)")
    auditor.screenshot(path="docs/screenshots/break-glass-review.png", full_page=False)
    auditor.fill("textarea[name=note]", "Confirmed with the ambulance report.")
    auditor.click("button:has-text('Sign off')")
    auditor.wait_for_selector("text=Nothing waits for review.")


def test_an_organization_admin_sees_every_clinic_and_filters_by_one(
    live_server: Any, personas: Personas, new_page: Any
) -> None:
    from mesodesk.staff.tests.helpers import organization_admin

    organization_admin(personas)
    page = new_page()
    log_in(page, live_server.url, "owner@chain.test")
    page.click("nav >> text=Staff")
    page.wait_for_selector("th:has-text('Clinic')")
    assert page.locator("tr:has-text('practitioner@b.test')").count() == 1
    assert page.locator("tr:has-text('nurse@a.test')").count() == 1
    page.screenshot(path="var/staff-organization.png", full_page=False)
    assert page.evaluate("document.documentElement.scrollWidth") <= 1024
    page.select_option("#clinic-filter", label="Clinic B")
    page.click("button:has-text('Show')")
    page.wait_for_selector("tr:has-text('practitioner@b.test')")
    assert page.locator("tr:has-text('nurse@a.test')").count() == 0
