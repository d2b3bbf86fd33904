"""Inviting staff: a single-use, expiring set-password link sent through the outbox."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from mesodesk.accounts.models import Membership, User
from mesodesk.audit.models import AuditEvent
from mesodesk.core.errors import FieldErrors, NotFound
from mesodesk.core.testing import Personas, logged_in_client, mark_mfa_verified, member
from mesodesk.notifications.models import OutboundEmail
from mesodesk.staff import selectors, services
from mesodesk.staff.models import Invitation
from mesodesk.staff.tests.helpers import STRONG, invitation_token_sent_to

pytestmark = pytest.mark.django_db


def _invite(personas: Personas, email: str = "new.nurse@a.test", role: str = "nurse") -> None:
    response = logged_in_client(personas.clinic_admin).post(
        reverse("staff:invite"),
        {"full_name": "Nora Newman", "email": email, "role": role, "clinic": personas.clinic_a.pk},
    )
    assert response.status_code == 302


def _accept(token: str, password: str = STRONG, again: str | None = None) -> tuple[Client, int]:
    client = Client()
    response = client.post(
        reverse("staff:accept", args=[token]),
        {"password": password, "password_again": password if again is None else again},
    )
    return client, response.status_code


def test_an_invited_nurse_sets_a_password_and_lands_in_the_clinic_with_the_role(
    personas: Personas, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _invite(personas)
    queued = OutboundEmail.objects.get(to="new.nurse@a.test")
    assert queued.clinic == personas.clinic_a
    assert queued.status == "sent"
    assert [m.to for m in mail.outbox] == [["new.nurse@a.test"]]
    token = invitation_token_sent_to("new.nurse@a.test")
    page = Client().get(reverse("staff:accept", args=[token]))
    assert page.status_code == 200
    assert b"Nurse / assistant" in page.content

    client, status = _accept(token)
    assert status == 302
    # Nurses must use a second log-in step: the first log-in goes on to set it up.
    assert client.get(reverse("patients:list"))["Location"].startswith(
        reverse("accounts:mfa_enrol")
    )
    user = User.objects.get(email="new.nurse@a.test")
    mark_mfa_verified(client, user)
    chart_list = client.get(reverse("patients:list"))
    assert chart_list.status_code == 200
    assert chart_list.context["actor"].clinic == personas.clinic_a
    assert chart_list.context["actor"].role == "nurse"
    assert user.check_password(STRONG)
    assert user.full_name == "Nora Newman"
    invitation = Invitation.objects.get()
    assert invitation.used_at is not None
    assert invitation.user == user
    actions = set(
        AuditEvent.objects.filter(object_id=invitation.pk).values_list("action", flat=True)
    )
    assert actions == {"create", "accept"}


def test_an_invitation_link_works_only_once(personas: Personas) -> None:
    _invite(personas)
    token = invitation_token_sent_to("new.nurse@a.test")
    assert _accept(token)[1] == 302
    _client, status = _accept(token, "another-long-passphrase-9")
    assert status == 410
    assert User.objects.get(email="new.nurse@a.test").check_password(STRONG)


def test_two_acceptances_racing_spend_the_link_once(
    personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    _invite(personas)
    token = invitation_token_sent_to("new.nurse@a.test")
    stale = selectors.invitation_resolve(token)  # what a second request read before the first won
    services.invitation_accept(token=token, password=STRONG, password_again=STRONG)
    # The second request passed its checks on the stale row; only the conditional UPDATE stops it.
    monkeypatch.setattr(services, "invitation_resolve", lambda _token: stale)
    with pytest.raises(selectors.InvitationUnusable) as refused:
        services.invitation_accept(
            token=token,
            password="second-long-passphrase-7",
            password_again="second-long-passphrase-7",
        )
    assert refused.value.problem == "used"
    assert User.objects.get(email="new.nurse@a.test").check_password(STRONG)


def test_an_expired_invitation_link_is_refused(personas: Personas) -> None:
    _invite(personas)
    token = invitation_token_sent_to("new.nurse@a.test")
    Invitation.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    page = Client().get(reverse("staff:accept", args=[token]))
    assert page.status_code == 410
    assert b"expired" in page.content
    assert _accept(token)[1] == 410
    assert not User.objects.filter(email="new.nurse@a.test").exists()


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # signature changed
        lambda t: uuid.uuid4().hex + "." + t.split(".", 1)[1],  # another id, old signature
        lambda t: t.split(".", 1)[0],  # signature removed
        lambda t: "not-a-token",
    ],
)
def test_a_tampered_invitation_link_is_refused(personas: Personas, tamper: object) -> None:
    _invite(personas)
    token = invitation_token_sent_to("new.nurse@a.test")
    bad = tamper(token)  # type: ignore[operator]
    assert Client().get(reverse("staff:accept", args=[bad])).status_code == 410
    assert _accept(bad)[1] == 410
    assert Invitation.objects.get().used_at is None


def test_a_withdrawn_invitation_link_is_refused(personas: Personas) -> None:
    _invite(personas)
    token = invitation_token_sent_to("new.nurse@a.test")
    invitation = Invitation.objects.get()
    client = logged_in_client(personas.clinic_admin)
    client.post(reverse("staff:invitation_revoke", args=[invitation.pk]))
    assert _accept(token)[1] == 410


def test_a_new_invitation_replaces_the_previous_one(personas: Personas) -> None:
    _invite(personas)
    first = invitation_token_sent_to("new.nurse@a.test")
    _invite(personas, role="practitioner")
    second = invitation_token_sent_to("new.nurse@a.test")
    assert _accept(first)[1] == 410
    assert _accept(second)[1] == 302
    assert Membership.objects.get(user__email="new.nurse@a.test").role == "practitioner"


def test_the_invitee_must_choose_a_strong_password(personas: Personas) -> None:
    _invite(personas)
    token = invitation_token_sent_to("new.nurse@a.test")
    client = Client()
    weak = client.post(
        reverse("staff:accept", args=[token]), {"password": "12345", "password_again": "12345"}
    )
    assert weak.status_code == 400
    assert weak.context["form"].errors["password"]
    differ = client.post(
        reverse("staff:accept", args=[token]), {"password": STRONG, "password_again": STRONG + "x"}
    )
    assert differ.context["form"].errors["password_again"]
    assert Invitation.objects.get().used_at is None


def test_inviting_someone_who_already_has_an_account_gives_access_at_once(
    personas: Personas,
) -> None:
    assert personas.foreign_practitioner.user is not None
    _invite(personas, email="practitioner@b.test", role="practitioner")
    assert not Invitation.objects.exists()
    membership = Membership.objects.get(
        user=personas.foreign_practitioner.user, clinic=personas.clinic_a
    )
    assert membership.role == "practitioner"
    assert membership.is_active
    assert OutboundEmail.objects.filter(to="practitioner@b.test", purpose="staff_access").exists()


def test_inviting_a_current_member_again_is_refused(personas: Personas) -> None:
    page = logged_in_client(personas.clinic_admin).post(
        reverse("staff:invite"),
        {
            "full_name": "N",
            "email": "nurse@a.test",
            "role": "nurse",
            "clinic": personas.clinic_a.pk,
        },
    )
    assert page.status_code == 400
    assert page.context["form"].errors["email"]


def test_the_invitation_form_shows_field_errors(personas: Personas) -> None:
    page = logged_in_client(personas.clinic_admin).post(
        reverse("staff:invite"), {"full_name": "", "email": "not-an-address", "role": "boss"}
    )
    assert page.status_code == 400
    assert {"full_name", "email", "role"} <= set(page.context["form"].errors)
    assert not Invitation.objects.exists()


def test_a_clinic_admin_cannot_invite_into_another_clinic(personas: Personas) -> None:
    with pytest.raises(NotFound):
        services.staff_invite(
            actor=personas.clinic_admin,
            clinic_id=personas.clinic_b.pk,
            email="x@b.test",
            full_name="X",
            role="nurse",
        )
    page = logged_in_client(personas.clinic_admin).post(
        reverse("staff:invite"),
        {"full_name": "X", "email": "x@b.test", "role": "nurse", "clinic": personas.clinic_b.pk},
    )
    assert page.status_code == 400
    assert "clinic" in page.context["form"].errors
    assert not Invitation.objects.exists()


def test_the_service_refuses_bad_input_naming_each_field(personas: Personas) -> None:
    with pytest.raises(FieldErrors) as refused:
        services.staff_invite(
            actor=personas.clinic_admin,
            clinic_id=personas.clinic_a.pk,
            email="nope",
            full_name=" ",
            role="owner",
        )
    assert set(refused.value.errors) == {"email", "full_name", "role"}


def test_an_invitation_to_a_deactivated_account_reactivates_it(personas: Personas) -> None:
    nurse = member(personas.clinic_a, "nurse", email="left@a.test")  # type: ignore[arg-type]
    assert nurse.user is not None
    membership = Membership.objects.get(user=nurse.user)
    services.membership_deactivate(actor=personas.clinic_admin, membership_id=membership.pk)
    _invite(personas, email="left@a.test")
    assert _accept(invitation_token_sent_to("left@a.test"))[1] == 302
    nurse.user.refresh_from_db()
    membership.refresh_from_db()
    assert nurse.user.is_active
    assert membership.is_active


@pytest.mark.django_db(transaction=True)
def test_simultaneous_acceptances_spend_the_link_exactly_once(personas: Personas) -> None:
    import threading

    from django.db import close_old_connections, connection

    _invite(personas)
    token = invitation_token_sent_to("new.nurse@a.test")
    outcomes: list[str] = []
    barrier = threading.Barrier(6)

    def accept(n: int) -> None:
        close_old_connections()
        password = f"parallel-passphrase-{n}-xyz"
        try:
            barrier.wait()
            services.invitation_accept(token=token, password=password, password_again=password)
            outcomes.append("accepted")
        except selectors.InvitationUnusable:
            outcomes.append("refused")
        except Exception as exc:
            outcomes.append(f"{type(exc).__name__}: {exc}")
        finally:
            connection.close()

    threads = [threading.Thread(target=accept, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["accepted"] + ["refused"] * 5
    assert User.objects.filter(email="new.nurse@a.test").count() == 1
    assert Membership.objects.filter(user__email="new.nurse@a.test").count() == 1
