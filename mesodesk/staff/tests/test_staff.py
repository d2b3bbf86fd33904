"""Roles per clinic, ending access (sessions and API tokens end at once), the staff page."""

from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mesodesk.accounts.actor import Actor
from mesodesk.accounts.choices import Role
from mesodesk.accounts.models import ApiToken, Membership, User
from mesodesk.audit.models import AuditEvent
from mesodesk.core.errors import Conflict, NotFound, PermissionDenied
from mesodesk.core.testing import PASSWORD, Personas, api_client, logged_in_client, member
from mesodesk.staff import services
from mesodesk.staff.models import SessionRecord
from mesodesk.staff.tests.helpers import organization_admin

pytestmark = pytest.mark.django_db


def _membership(personas: Personas, role: str) -> Membership:
    actor = getattr(personas, role)
    return Membership.objects.get(user=actor.user, clinic=actor.clinic)


def _login(email: str) -> Client:
    client = Client()
    response = client.post(
        reverse("accounts:login"), {"username": email, "password": PASSWORD}, REMOTE_ADDR="10.0.0.9"
    )
    assert response.status_code == 302
    return client


def test_a_clinic_admin_changes_a_nurses_role_and_the_change_is_audited(
    personas: Personas,
) -> None:
    nurse = _membership(personas, "nurse")
    response = logged_in_client(personas.clinic_admin).post(
        reverse("staff:role_change", args=[nurse.pk]),
        {"role": "practitioner"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert b"member-" in response.content
    nurse.refresh_from_db()
    assert nurse.role == "practitioner"
    event = AuditEvent.objects.get(object_id=nurse.pk, action="update")
    assert event.changes == {"role": ["nurse", "practitioner"]}
    assert event.clinic == personas.clinic_a
    page = logged_in_client(personas.nurse).get(reverse("patients:list"))
    assert page.context["actor"].role == "practitioner"


def test_a_role_change_reaches_the_members_api_token_at_once(personas: Personas) -> None:
    client = api_client(personas.nurse)
    services.membership_role_change(
        actor=personas.clinic_admin, membership_id=_membership(personas, "nurse").pk, role="auditor"
    )
    assert client.get("/api/v1/patients").status_code == 200
    token = ApiToken.objects.get(membership__user=personas.nurse.user)
    assert token.membership.role == "auditor"


def test_the_last_clinic_admin_cannot_be_demoted_or_removed(personas: Personas) -> None:
    owner = organization_admin(personas)
    admin = _membership(personas, "clinic_admin")
    with pytest.raises(Conflict):
        services.membership_role_change(actor=owner, membership_id=admin.pk, role="nurse")
    with pytest.raises(Conflict):
        services.membership_deactivate(actor=owner, membership_id=admin.pk)
    admin.refresh_from_db()
    assert admin.role == "clinic_admin"
    assert admin.is_active
    # With a second clinic admin, the first may be changed.
    services.membership_role_change(
        actor=owner, membership_id=_membership(personas, "auditor").pk, role="clinic_admin"
    )
    services.membership_role_change(actor=owner, membership_id=admin.pk, role="nurse")
    admin.refresh_from_db()
    assert admin.role == "nurse"


def test_nobody_changes_or_ends_their_own_access(personas: Personas) -> None:
    admin = _membership(personas, "clinic_admin")
    with pytest.raises(PermissionDenied):
        services.membership_role_change(
            actor=personas.clinic_admin, membership_id=admin.pk, role="practitioner"
        )
    with pytest.raises(PermissionDenied):
        services.membership_deactivate(actor=personas.clinic_admin, membership_id=admin.pk)


def test_a_clinic_admin_cannot_change_an_organization_admin(personas: Personas) -> None:
    owner = organization_admin(personas)
    assert owner.user is not None
    membership = Membership.objects.create(
        user=owner.user, clinic=personas.clinic_a, role=Role.PRACTITIONER
    )
    with pytest.raises(PermissionDenied):
        services.membership_role_change(
            actor=personas.clinic_admin, membership_id=membership.pk, role="front_desk"
        )
    with pytest.raises(PermissionDenied):
        services.membership_deactivate(actor=personas.clinic_admin, membership_id=membership.pk)


@pytest.mark.parametrize("role", ["practitioner", "nurse", "front_desk", "auditor"])
def test_only_those_who_manage_staff_reach_the_staff_pages(personas: Personas, role: str) -> None:
    client = logged_in_client(getattr(personas, role))
    assert client.get(reverse("staff:list")).status_code == 403
    nurse = _membership(personas, "nurse")
    client.post(reverse("staff:role_change", args=[nurse.pk]), {"role": "clinic_admin"})
    nurse.refresh_from_db()
    assert nurse.role == "nurse"
    with pytest.raises(NotFound):
        services.membership_role_change(
            actor=getattr(personas, role), membership_id=nurse.pk, role="clinic_admin"
        )


def test_ending_access_ends_web_sessions_and_api_tokens_at_once(personas: Personas) -> None:
    browser = _login("frontdesk@a.test")
    second_browser = _login("frontdesk@a.test")
    api = api_client(personas.front_desk)
    assert browser.get(reverse("patients:list")).status_code == 200
    assert api.get("/api/v1/patients").status_code == 200
    user = personas.front_desk.user
    assert user is not None
    assert SessionRecord.objects.filter(user=user).count() == 2

    response = logged_in_client(personas.clinic_admin).post(
        reverse("staff:deactivate", args=[_membership(personas, "front_desk").pk])
    )
    assert response.status_code == 302

    for client in (browser, second_browser):
        answer = client.get(reverse("patients:list"))
        assert answer.status_code == 302
        assert answer["Location"].startswith(reverse("accounts:login"))
    assert api.get("/api/v1/patients").status_code == 401
    assert not SessionRecord.objects.filter(user=user).exists()
    live_keys = set(Session.objects.values_list("session_key", flat=True))
    assert browser.session.session_key not in live_keys
    assert not User.objects.get(pk=user.pk).is_active
    assert ApiToken.objects.get(membership__user=user).revoked_at is not None
    assert Client().post(
        reverse("accounts:login"), {"username": "frontdesk@a.test", "password": PASSWORD}
    ).status_code in (200, 429)
    event = AuditEvent.objects.get(
        object_id=_membership(personas, "front_desk").pk, action="update"
    )
    assert event.changes["api_tokens_revoked"] == [0, 1]
    assert event.changes["sessions_ended"] == [0, 2]


def test_ending_access_to_one_clinic_keeps_the_others(personas: Personas) -> None:
    user = personas.nurse.user
    assert user is not None
    Membership.objects.create(user=user, clinic=personas.clinic_b, role=Role.NURSE)
    token_a = api_client(personas.nurse)
    token_b = api_client(Actor(clinic=personas.clinic_b, role="nurse", user=user))
    browser = logged_in_client(personas.nurse)
    services.membership_deactivate(
        actor=personas.clinic_admin, membership_id=_membership(personas, "nurse").pk
    )
    assert token_a.get("/api/v1/patients").status_code == 401
    assert token_b.get("/api/v1/patients").status_code == 200
    page = browser.get(reverse("patients:list"))
    assert page.status_code == 200
    assert page.context["actor"].clinic == personas.clinic_b
    assert User.objects.get(pk=user.pk).is_active


def test_a_clinic_admin_cannot_touch_members_of_another_clinic(personas: Personas) -> None:
    foreign = Membership.objects.get(user=personas.foreign_practitioner.user)
    client = logged_in_client(personas.clinic_admin)
    assert (
        client.post(reverse("staff:role_change", args=[foreign.pk]), {"role": "nurse"}).status_code
        == 404
    )
    assert client.post(reverse("staff:deactivate", args=[foreign.pk])).status_code == 404
    assert client.get(reverse("staff:list") + f"?clinic={personas.clinic_b.pk}").status_code == 404
    foreign.refresh_from_db()
    assert foreign.role == "practitioner"
    assert foreign.is_active


def test_an_organization_admin_manages_every_clinic_of_the_organization(
    personas: Personas,
) -> None:
    owner = organization_admin(personas)
    page = logged_in_client(owner).get(reverse("staff:list"))
    assert page.status_code == 200
    emails = {m.user.email for m in page.context["members"]}
    assert {"nurse@a.test", "practitioner@b.test", "admin@a.test"} <= emails
    services.membership_role_change(
        actor=owner, membership_id=_membership(personas, "nurse").pk, role="front_desk"
    )
    event = AuditEvent.objects.get(object_id=_membership(personas, "nurse").pk, action="update")
    assert event.clinic == personas.clinic_a  # in the chain of the clinic it concerns
    assert event.actor_role == "org_admin"
    only_b = logged_in_client(owner).get(reverse("staff:list") + f"?clinic={personas.clinic_b.pk}")
    assert {m.clinic for m in only_b.context["members"]} == {personas.clinic_b}


def test_an_organization_admin_reaches_no_clinic_of_another_organization(
    personas: Personas,
) -> None:
    from mesodesk.core.testing import ClinicFactory

    owner = organization_admin(personas)
    elsewhere = member(ClinicFactory.create(name="Elsewhere"), Role.NURSE)
    membership = Membership.objects.get(user=elsewhere.user)
    with pytest.raises(NotFound):
        services.membership_deactivate(actor=owner, membership_id=membership.pk)
    with pytest.raises(NotFound):
        services.staff_invite(
            actor=owner,
            clinic_id=elsewhere.clinic.pk,
            email="z@z.test",
            full_name="Z",
            role="nurse",
        )


def test_the_staff_page_lists_access_and_last_sign_in_in_constant_queries(
    personas: Personas,
) -> None:
    client = logged_in_client(personas.clinic_admin)
    _login("nurse@a.test")
    client.get(reverse("staff:list"))  # warm caches (knowledge, content types)
    with CaptureQueriesContext(connection) as few:
        page = client.get(reverse("staff:list"))
    assert page.status_code == 200
    assert b"Last signed in" in page.content
    assert b"never" in page.content  # the auditor has never signed in
    for n in range(12):
        member(personas.clinic_a, Role.NURSE, email=f"extra{n}@a.test")
    with CaptureQueriesContext(connection) as many:
        page = client.get(reverse("staff:list"))
    assert len(page.context["members"]) == 6 + 12 - 1  # clinic A's members plus the new ones
    assert len(many) == len(few)
    assert len(many) <= 12


def test_the_header_offers_staff_to_admins_and_no_django_admin_link(personas: Personas) -> None:
    staff_link = f'href="{reverse("staff:list")}"'.encode()
    admin_page = logged_in_client(personas.clinic_admin).get(reverse("patients:list"))
    assert staff_link in admin_page.content
    assert b'href="/admin/"' not in admin_page.content
    practitioner_page = logged_in_client(personas.practitioner).get(reverse("patients:list"))
    assert staff_link not in practitioner_page.content
    owner_page = logged_in_client(organization_admin(personas)).get(reverse("patients:list"))
    assert staff_link in owner_page.content


def test_a_refused_change_shows_its_reason_in_the_swapped_row(personas: Personas) -> None:
    owner = organization_admin(personas)
    admin = _membership(personas, "clinic_admin")
    response = logged_in_client(owner).post(
        reverse("staff:role_change", args=[admin.pk]), {"role": "nurse"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200  # htmx swaps only successful answers
    assert b"last clinic admin" in response.content
    admin.refresh_from_db()
    assert admin.role == "clinic_admin"


def test_an_unrecorded_session_ends_too_when_the_account_is_deactivated(
    personas: Personas,
) -> None:
    browser = _login("frontdesk@a.test")
    SessionRecord.objects.all().delete()  # e.g. a session whose key changed after log-in
    services.membership_deactivate(
        actor=personas.clinic_admin, membership_id=_membership(personas, "front_desk").pk
    )
    answer = browser.get(reverse("patients:list"))
    assert answer.status_code == 302
    assert answer["Location"].startswith(reverse("accounts:login"))


def test_nobody_invites_themselves_into_another_role(personas: Personas) -> None:
    owner = organization_admin(personas)
    with pytest.raises(PermissionDenied):
        services.staff_invite(
            actor=owner,
            clinic_id=personas.clinic_a.pk,
            email="owner@chain.test",
            full_name="Owner",
            role="practitioner",
        )
    assert not Membership.objects.filter(user=owner.user, clinic=personas.clinic_a).exists()
