"""Staff pages: who has access, inviting, roles, ending access; accepting an invitation;
break-glass opening and review."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from mesodesk.accounts.access import request_actor
from mesodesk.accounts.actor import client_ip, client_user_agent
from mesodesk.accounts.middleware import ACTIVE_CLINIC_KEY
from mesodesk.core.errors import Conflict, FieldErrors, NotFound, PermissionDenied
from mesodesk.core.htmx import form_add_errors, is_htmx
from mesodesk.staff import breakglass, selectors, services
from mesodesk.staff.forms import (
    AcceptForm,
    BreakGlassFindForm,
    BreakGlassForm,
    InviteForm,
    PolicyForm,
    ReviewForm,
    RoleForm,
)


def _manager_clinics(request: HttpRequest) -> list[Any]:
    clinics = selectors.managed_clinics(actor=request_actor(request))
    if not clinics:
        raise DjangoPermissionDenied("You do not manage staff.")
    return clinics


@login_required
def staff_list(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    clinics = _manager_clinics(request)
    shown = clinics
    if request.GET.get("clinic"):
        shown = [c for c in clinics if str(c.pk) == request.GET["clinic"]]
        if not shown:
            raise Http404("No such clinic.")
    form = InviteForm(
        clinics=clinics, initial={"clinic": actor.clinic.pk if actor.clinic in clinics else None}
    )
    return render(request, "staff/list.html", _list_context(request, clinics, shown, form))


def _list_context(
    request: HttpRequest, clinics: list[Any], shown: list[Any], form: InviteForm
) -> dict[str, Any]:
    actor = request_actor(request)
    return {
        "clinics": clinics,
        "shown": shown,
        "members": list(selectors.staff_memberships(actor=actor, clinics=shown)),
        "invitations": list(selectors.invitations_pending(clinics=shown)),
        "form": form,
        "role_form": RoleForm(),
        "several_clinics": len(clinics) > 1,
    }


@login_required
@require_POST
def invite(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    clinics = _manager_clinics(request)
    form = InviteForm(request.POST, clinics=clinics)
    if form.is_valid():
        try:
            result = services.staff_invite(
                actor=actor,
                clinic_id=form.cleaned_data["clinic"].pk,
                email=form.cleaned_data["email"],
                full_name=form.cleaned_data["full_name"],
                role=form.cleaned_data["role"],
                base_url=request.build_absolute_uri("/"),
            )
        except FieldErrors as exc:
            form_add_errors(form, exc)
        else:
            if result.invitation is not None:
                messages.success(
                    request, f"An invitation was e-mailed to {result.invitation.email}."
                )
            else:
                messages.success(request, "The person already had an account; access was granted.")
            return redirect("staff:list")
    return render(
        request, "staff/list.html", _list_context(request, clinics, clinics, form), status=400
    )


def _member_answer(request: HttpRequest, membership_id: str, error: str = "") -> HttpResponse:
    actor = request_actor(request)
    membership = selectors.staff_membership_get(actor=actor, membership_id=membership_id)
    if is_htmx(request):
        return render(
            request,
            "staff/_member_row.html",
            {
                "m": membership,
                "row_error": error,
                "several_clinics": len(selectors.managed_clinics(actor=actor)) > 1,
                "role_form": RoleForm(),
            },
        )  # 200 even with an error: htmx swaps only successful answers, and the row says it
    if error:
        messages.error(request, error)
    return redirect("staff:list")


@login_required
@require_POST
def role_change(request: HttpRequest, membership_id: str) -> HttpResponse:
    actor = request_actor(request)
    form = RoleForm(request.POST)
    if not form.is_valid():
        return _member_answer(request, membership_id, "Choose one of the roles.")
    try:
        services.membership_role_change(
            actor=actor, membership_id=membership_id, role=form.cleaned_data["role"]
        )
    except (Conflict, PermissionDenied) as exc:
        return _member_answer(request, membership_id, str(exc))
    return _member_answer(request, membership_id)


@login_required
@require_POST
def deactivate(request: HttpRequest, membership_id: str) -> HttpResponse:
    actor = request_actor(request)
    try:
        services.membership_deactivate(actor=actor, membership_id=membership_id)
    except (Conflict, PermissionDenied) as exc:
        return _member_answer(request, membership_id, str(exc))
    return _member_answer(request, membership_id)


@login_required
@require_POST
def invitation_revoke(request: HttpRequest, invitation_id: str) -> HttpResponse:
    try:
        services.invitation_revoke(actor=request_actor(request), invitation_id=invitation_id)
    except Conflict as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "The invitation was withdrawn.")
    return redirect("staff:list")


def accept(request: HttpRequest, token: str) -> HttpResponse:
    """The invitee's set-password page (no log-in needed: the link is the credential)."""
    try:
        invitation = selectors.invitation_resolve(token)
    except selectors.InvitationUnusable as exc:
        return render(request, "staff/accept_unusable.html", {"problem": exc.problem}, status=410)
    form = AcceptForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user, membership = services.invitation_accept(
                token=token,
                password=form.cleaned_data["password"],
                password_again=form.cleaned_data["password_again"],
                ip=client_ip(request),
                user_agent=client_user_agent(request),
            )
        except FieldErrors as exc:
            form_add_errors(form, exc)
        except selectors.InvitationUnusable as exc:
            return render(
                request, "staff/accept_unusable.html", {"problem": exc.problem}, status=410
            )
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            request.session[ACTIVE_CLINIC_KEY] = str(membership.clinic_id)
            messages.success(request, f"Welcome to {membership.clinic.name}.")
            return redirect("home")
    status = 400 if form.errors else 200
    return render(
        request, "staff/accept.html", {"form": form, "invitation": invitation}, status=status
    )


# --- Break-glass ---------------------------------------------------------------------------


@login_required
def break_glass_here(request: HttpRequest, pid: str) -> HttpResponse:
    """Front desk opens emergency access to a patient of their own clinic."""
    actor = request_actor(request)
    patient = breakglass.break_glass_patient_here(actor=actor, patient_id=pid)
    form = BreakGlassForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            grant = breakglass.break_glass_open(
                actor=actor, patient=patient, reason=form.cleaned_data["reason"]
            )
        except FieldErrors as exc:
            form_add_errors(form, exc)
        except PermissionDenied as exc:
            raise DjangoPermissionDenied(str(exc)) from exc
        else:
            breakglass.remember_in_session(request, grant)
            return redirect("patients:chart", patient.pk)
    return render(
        request,
        "staff/break_glass_open.html",
        {"form": form, "patient": patient, "minutes": breakglass.break_glass_minutes(actor.clinic)},
        status=400 if form.errors else 200,
    )


@login_required
def break_glass_find(request: HttpRequest) -> HttpResponse:
    """A practitioner or nurse opens emergency access to a patient of another clinic of the
    organization, named by family name and date of birth."""
    actor = request_actor(request)
    if actor.role not in breakglass.OTHER_CLINIC_ROLES or actor.patient_scope is not None:
        raise DjangoPermissionDenied("Your role may not open emergency access elsewhere.")
    clinics = breakglass.other_clinics(actor=actor)
    form = BreakGlassFindForm(request.POST or None, clinics=clinics)
    if request.method == "POST" and form.is_valid():
        try:
            patient = breakglass.break_glass_find_patient(
                actor=actor,
                clinic_id=form.cleaned_data["clinic"].pk,
                family_name=form.cleaned_data["family_name"],
                date_of_birth=form.cleaned_data["date_of_birth"],
            )
            grant = breakglass.break_glass_open(
                actor=actor, patient=patient, reason=form.cleaned_data["reason"]
            )
        except NotFound as exc:
            form.add_error(None, str(exc))
        except FieldErrors as exc:
            form_add_errors(form, exc)
        except PermissionDenied as exc:
            raise DjangoPermissionDenied(str(exc)) from exc
        else:
            breakglass.remember_in_session(request, grant)
            return redirect("patients:chart", patient.pk)
    return render(
        request,
        "staff/break_glass_find.html",
        {"form": form, "clinics": clinics},
        status=400 if form.errors else 200,
    )


@login_required
def break_glass_list(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    try:
        pending = list(breakglass.grants_for_review(actor=actor))
        recent = list(breakglass.grants_for_review(actor=actor, pending_only=False)[:50])
    except PermissionDenied as exc:
        raise DjangoPermissionDenied(str(exc)) from exc
    return render(
        request,
        "staff/break_glass_list.html",
        {
            "pending": pending,
            "recent": [g for g in recent if g.reviewed_at is not None],
            "review_form": ReviewForm(),
            "policy_form": PolicyForm(
                initial={"break_glass_minutes": breakglass.break_glass_minutes(actor.clinic)}
            ),
        },
    )


@login_required
@require_POST
def break_glass_review(request: HttpRequest, grant_id: str) -> HttpResponse:
    actor = request_actor(request)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Write a note before signing off.")
        return redirect("staff:break_glass_list")
    try:
        breakglass.break_glass_review(
            actor=actor, grant_id=grant_id, note=form.cleaned_data["note"]
        )
    except PermissionDenied as exc:
        raise DjangoPermissionDenied(str(exc)) from exc
    except (Conflict, FieldErrors) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Signed off.")
    return redirect("staff:break_glass_list")


@login_required
@require_POST
def break_glass_policy(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    form = PolicyForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose between 5 and 1440 minutes.")
        return redirect("staff:break_glass_list")
    try:
        breakglass.access_policy_set(
            actor=actor, break_glass_minutes=form.cleaned_data["break_glass_minutes"]
        )
    except PermissionDenied as exc:
        raise DjangoPermissionDenied(str(exc)) from exc
    messages.success(request, "Saved.")
    return redirect("staff:break_glass_list")
