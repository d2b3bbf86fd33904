"""Staff management and break-glass review over the JSON API (the pages' services)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from mesodesk.accounts.access import request_actor
from mesodesk.accounts.models import Membership
from mesodesk.core.api import ERRORS
from mesodesk.core.errors import NotFound, PermissionDenied
from mesodesk.staff import breakglass, selectors, services
from mesodesk.staff.models import BreakGlassGrant
from mesodesk.staff.schemas import GrantOut, InviteIn, InviteOut, MemberOut, ReviewIn, RoleIn

router = Router(tags=["staff"])


def _member_out(m: Membership) -> dict[str, Any]:
    return {
        "id": m.pk,
        "user_id": m.user_id,
        "email": m.user.email,
        "full_name": m.user.full_name,
        "clinic_id": m.clinic_id,
        "clinic_name": m.clinic.name,
        "role": m.role,
        "role_label": m.get_role_display(),
        "is_active": m.is_active,
        "last_login": m.user.last_login,
    }


def _grant_out(g: BreakGlassGrant) -> dict[str, Any]:
    return {
        "id": g.pk,
        "created_at": g.created_at,
        "user_email": g.user.email,
        "role": g.role,
        "home_clinic_name": g.home_clinic.name,
        "patient_id": g.patient_id,
        "reason": g.reason,
        "expires_at": g.expires_at,
        "reviewed_at": g.reviewed_at,
        "review_note": g.review_note,
    }


def _clinics(request: HttpRequest) -> list[Any]:
    clinics = selectors.managed_clinics(actor=request_actor(request))
    if not clinics:
        raise PermissionDenied("Your role may not manage staff.")
    return clinics


@router.get(
    "/staff/members",
    response={200: list[MemberOut], **ERRORS},
    summary="Who has access to the clinics you manage, with their last sign-in",
)
def member_list(request: HttpRequest, clinic_id: Query[str | None] = None) -> Any:
    actor = request_actor(request)
    clinics = _clinics(request)
    if clinic_id:
        clinics = [c for c in clinics if str(c.pk) == clinic_id]
        if not clinics:
            raise NotFound("No such clinic.")
    return [_member_out(m) for m in selectors.staff_memberships(actor=actor, clinics=clinics)]


@router.post(
    "/staff/invitations",
    response={201: InviteOut, **ERRORS},
    summary="Invite someone by e-mail to a clinic you manage, in a role",
)
def invite(request: HttpRequest, payload: InviteIn) -> Status[Any]:
    actor = request_actor(request)
    _clinics(request)
    result = services.staff_invite(
        actor=actor,
        clinic_id=payload.clinic_id or actor.clinic.pk,
        email=payload.email,
        full_name=payload.full_name,
        role=payload.role,
    )
    return Status(
        201,
        {
            "invitation_id": result.invitation.pk if result.invitation else None,
            "membership_id": result.membership.pk if result.membership else None,
            "expires_at": result.invitation.expires_at if result.invitation else None,
            "detail": "Invitation e-mailed." if result.invitation else "Access granted.",
        },
    )


@router.post(
    "/staff/invitations/{invitation_id}/revoke",
    response={200: InviteOut, **ERRORS},
    summary="Withdraw an invitation",
)
def invitation_revoke(request: HttpRequest, invitation_id: str) -> Any:
    invitation = services.invitation_revoke(
        actor=request_actor(request), invitation_id=invitation_id
    )
    return {
        "invitation_id": invitation.pk,
        "membership_id": None,
        "expires_at": invitation.expires_at,
        "detail": "Invitation withdrawn.",
    }


@router.patch(
    "/staff/members/{membership_id}",
    response={200: MemberOut, **ERRORS},
    summary="Change a member's role",
)
def role_change(request: HttpRequest, membership_id: str, payload: RoleIn) -> Any:
    membership = services.membership_role_change(
        actor=request_actor(request), membership_id=membership_id, role=payload.role
    )
    return _member_out(membership)


@router.post(
    "/staff/members/{membership_id}/deactivate",
    response={200: MemberOut, **ERRORS},
    summary="End a member's access (sessions and API tokens end at once)",
)
def deactivate(request: HttpRequest, membership_id: str) -> Any:
    membership = services.membership_deactivate(
        actor=request_actor(request), membership_id=membership_id
    )
    return _member_out(membership)


@router.get(
    "/staff/break-glass",
    response={200: list[GrantOut], **ERRORS},
    summary="Break-glass accesses of this clinic waiting for review",
)
def break_glass_list(request: HttpRequest) -> Any:
    grants = breakglass.grants_for_review(actor=request_actor(request))
    return [_grant_out(g) for g in grants]


@router.post(
    "/staff/break-glass/{grant_id}/review",
    response={200: GrantOut, **ERRORS},
    summary="Sign off a break-glass access with a note (auditors)",
)
def break_glass_review(request: HttpRequest, grant_id: str, payload: ReviewIn) -> Any:
    actor = request_actor(request)
    grant = breakglass.break_glass_review(actor=actor, grant_id=grant_id, note=payload.note)
    grant = BreakGlassGrant.objects.select_related("user", "home_clinic").get(pk=grant.pk)
    return _grant_out(grant)
