"""Session pages: the preparation checklist, charting on the maps, signing, addenda, and the
aftercare page, PDF and e-mail."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from mesodesk.accounts.access import clinic_view, request_actor
from mesodesk.accounts.actor import Actor
from mesodesk.accounts.choices import Capability
from mesodesk.accounts.selectors import assistants_for
from mesodesk.catalog.selectors import lot_get, lots_usable
from mesodesk.core.errors import Conflict, FieldErrors
from mesodesk.core.htmx import form_add_errors, is_htmx
from mesodesk.core.http import pdf_response
from mesodesk.core.pdf import render_pdf
from mesodesk.knowledge.loader import KnowledgeBase
from mesodesk.knowledge.selectors import clinic_knowledge
from mesodesk.notifications.services import email_retry
from mesodesk.sessions import services
from mesodesk.sessions.aftercare import aftercare_document
from mesodesk.sessions.checklist import time_sensitive_questions
from mesodesk.sessions.choices import SessionStatus
from mesodesk.sessions.course import plan_course
from mesodesk.sessions.forms import (
    AddendumForm,
    AnaestheticForm,
    AntisepsisForm,
    CompleteForm,
    EndForm,
    PointForm,
    ReconfirmForm,
    SendForm,
    SessionSignForm,
    StartForm,
)
from mesodesk.sessions.maps import map_views, views_for_areas
from mesodesk.sessions.models import AftercareSheet, TreatmentSession
from mesodesk.sessions.presenters import SessionView
from mesodesk.sessions.selectors import (
    aftercare_emails,
    aftercare_get,
    session_get,
    sessions_of_plan,
    sessions_with_lot,
)
from mesodesk.treatments.selectors import plan_for_panel, plan_product_ids


def _get(actor: Actor, session_id: str) -> TreatmentSession:
    return session_get(actor=actor, session_id=session_id)


def _point_form(
    actor: Actor, session: TreatmentSession, kb: KnowledgeBase, initial: dict[str, Any]
) -> PointForm:
    lots = lots_usable(actor=actor, product_ids=plan_product_ids(session.plan))
    return PointForm(lots=lots, kb=kb, initial=initial)


def _protocol_defaults(session: TreatmentSession) -> dict[str, Any]:
    """The protocol's technique, needle, depth and volume per point, as the form's start."""
    protocol = session.plan.protocol
    if protocol is None:
        return {}
    defaults = {
        "technique": protocol.technique,
        "needle": protocol.needle[:80],
        "depth_mm": protocol.depth_min_mm,
        "volume_ml": protocol.volume_per_point_ml,
    }
    return {k: v for k, v in defaults.items() if v not in (None, "")}


def _chart_context(
    actor: Actor, view: SessionView, view_code: str, point_form: PointForm | None = None
) -> dict[str, Any]:
    session = view.session
    kb = clinic_knowledge(actor.clinic)
    views = views_for_areas(set(session.plan.areas), kb)
    current = view_code if view_code in map_views() else views[0]
    charting_now = session.status in services.CHARTABLE and actor.can(Capability.SESSION_PERFORM)
    form = point_form
    if form is None and charting_now:
        form = _point_form(actor, session, kb, {"view": current, **_protocol_defaults(session)})
    return {
        "session": session,
        "views": [map_views()[v] for v in views],
        "all_views": map_views(),
        "map": map_views()[current],
        "points": view.points,
        "view_points": [p for p in view.points if p.view == current],
        "zones": [p for p in view.points if p.kind == "zone" and p.view == current],
        "counts": view.regions,
        "dose": view.dose,
        "point_form": form,
        "charting": charting_now,
    }


@clinic_view(Capability.PLAN_VIEW)
def plan_panel(request: HttpRequest, plan_id: str) -> HttpResponse:
    """The plan page's sessions panel: the course so far and the button for the next session
    (the page that loads the panel audited the read of the plan)."""
    actor = request_actor(request)
    plan = plan_for_panel(actor=actor, plan_id=plan_id)
    sessions = list(sessions_of_plan(actor=actor, plan=plan))
    course = plan_course(plan, sessions, actor.clinic.zone)
    window = course.window
    return render(
        request,
        "sessions/_plan_panel.html",
        {
            "plan": plan,
            "sessions": sessions,
            "course": course,
            "early": window is not None and actor.today() < window.earliest,
        },
    )


@clinic_view(Capability.SESSION_PREPARE)
@require_POST
def session_new(request: HttpRequest, plan_id: str) -> HttpResponse:
    try:
        session = services.session_create(
            actor=request_actor(request),
            plan_id=plan_id,
            early_reason=request.POST.get("early_reason", ""),
        )
    except FieldErrors as exc:
        for message in (m for msgs in exc.errors.values() for m in msgs):
            messages.error(request, message)
        return redirect("treatments:plan", plan_id=plan_id)
    except Conflict as exc:
        messages.error(request, str(exc))
        return redirect("treatments:plan", plan_id=plan_id)
    return redirect("sessions:session", session_id=session.pk)


@clinic_view(Capability.SESSION_CHECK_IN)
def session_detail(request: HttpRequest, session_id: str) -> HttpResponse:
    actor = request_actor(request)
    return _session_page(request, actor, _get(actor, session_id))


def _session_page(
    request: HttpRequest,
    actor: Actor,
    session: TreatmentSession,
    point_form: PointForm | None = None,
    status: int = 200,
) -> HttpResponse:
    view = SessionView(actor, session)
    kb = clinic_knowledge(actor.clinic)
    context: dict[str, Any] = {
        "session": session,
        "plan": session.plan,
        "kb": kb,
        "sv": view,
        "progress": view.progress,
        "end_form": EndForm(),
    }
    if not actor.can(Capability.CLINICAL_VIEW):
        return render(request, "sessions/session.html", context)
    if session.status == SessionStatus.PREPARATION:
        context |= {
            "checklist": view.checklist,
            "photos_required": any(i.key == "photos" and i.required for i in view.checklist),
            "reconfirm_form": ReconfirmForm(
                questions=time_sensitive_questions(actor, session), kb=kb
            ),
            "antisepsis_form": AntisepsisForm(kb=kb),
            "anaesthetic_form": AnaestheticForm(),
            "start_form": StartForm(staff=assistants_for(actor.clinic)),
        }
    elif session.status in services.CHARTABLE or session.status == SessionStatus.SIGNED:
        context |= {
            "complete_form": CompleteForm(),
            "addendum_form": AddendumForm(),
            "sign_form": SessionSignForm(),
            "addenda": view.addenda,
            "sheet": view.aftercare,
            "show_flags": True,
            **_chart_context(
                actor,
                view,
                request.GET.get("view", "") or request.POST.get("view", ""),
                point_form=point_form,
            ),
        }
    return render(request, "sessions/session.html", context, status=status)


def _after(
    request: HttpRequest, session_id: str, action: Callable[[], object], success: str
) -> HttpResponse:
    try:
        action()
    except FieldErrors as exc:
        for messages_ in exc.errors.values():
            for message in messages_:
                messages.error(request, message)
    except Conflict as exc:
        messages.error(request, str(exc))
    else:
        if success:
            messages.success(request, success)
    return redirect("sessions:session", session_id=session_id)


FormFactory = Callable[[Actor, QueryDict, str], forms.Form]
StepRun = Callable[[Actor, str, Any], object]


@dataclass(frozen=True)
class Step:
    """One button of the session page: its form (if any), the service it calls, the message."""

    run: StepRun
    success: str
    form: FormFactory | None = None


def _reconfirm_form(actor: Actor, post: QueryDict, session_id: str) -> forms.Form:
    session = _get(actor, session_id)
    return ReconfirmForm(
        post,
        questions=time_sensitive_questions(actor, session),
        kb=clinic_knowledge(actor.clinic),
    )


STEPS: dict[str, Step] = {
    "check_in": Step(
        lambda a, sid, _: services.session_check_in(actor=a, session_id=sid), "Checked in."
    ),
    "prepare": Step(
        lambda a, sid, _: services.session_prepare(actor=a, session_id=sid),
        "Preparation started.",
    ),
    "photos": Step(
        lambda a, sid, _: services.session_confirm_photos(actor=a, session_id=sid),
        "Baseline photographs recorded.",
    ),
    "reconfirm": Step(
        lambda a, sid, f: services.session_reconfirm(
            actor=a,
            session_id=sid,
            answers=f.answers(),
            sites=f.sites(),
            medicines_unchanged=bool(f.cleaned_data.get("medicines_unchanged")),
        ),
        "Today's answers are recorded and the plan was screened again.",
        _reconfirm_form,
    ),
    "antisepsis": Step(
        lambda a, sid, f: services.session_record_antisepsis(
            actor=a, session_id=sid, agent=f.cleaned_data["agent"]
        ),
        "Antisepsis recorded.",
        lambda a, post, _: AntisepsisForm(post, kb=clinic_knowledge(a.clinic)),
    ),
    "anaesthetic": Step(
        lambda a, sid, f: services.session_record_anaesthetic(
            actor=a,
            session_id=sid,
            product=f.cleaned_data["product"],
            applied_at=timezone.now() - dt.timedelta(minutes=f.cleaned_data["minutes_ago"]),
        ),
        "Topical anaesthetic recorded.",
        lambda a, post, _: AnaestheticForm(post),
    ),
    "start": Step(
        lambda a, sid, f: services.session_start(
            actor=a,
            session_id=sid,
            assistant=f.cleaned_data["assistant"],
            start_early=bool(f.cleaned_data["start_early"]),
        ),
        "The procedure has started.",
        lambda a, post, _: StartForm(post, staff=assistants_for(a.clinic)),
    ),
    "copy": Step(
        lambda a, sid, _: services.session_copy_previous_map(actor=a, session_id=sid),
        "The previous session's map was copied.",
    ),
    "complete": Step(
        lambda a, sid, f: services.session_complete(
            actor=a,
            session_id=sid,
            notes=f.cleaned_data["notes"],
            immediate_reactions=f.cleaned_data["immediate_reactions"],
        ),
        "Completed. The aftercare sheet is ready.",
        lambda a, post, _: CompleteForm(post),
    ),
    "sign": Step(
        lambda a, sid, f: services.session_sign(
            actor=a, session_id=sid, secret=f.cleaned_data["password"]
        ),
        "Signed. The record is now locked; corrections are addenda.",
        lambda a, post, _: SessionSignForm(post),
    ),
    "addendum": Step(
        lambda a, sid, f: services.session_addendum_add(
            actor=a, session_id=sid, text=f.cleaned_data["text"], secret=f.cleaned_data["password"]
        ),
        "The addendum is signed.",
        lambda a, post, _: AddendumForm(post),
    ),
    "end": Step(
        lambda a, sid, f: services.session_end(
            actor=a,
            session_id=sid,
            reason=f.cleaned_data["reason"],
            did_not_attend=bool(f.cleaned_data["did_not_attend"]),
        ),
        "The session ended.",
        lambda a, post, _: EndForm(post),
    ),
}


@clinic_view(Capability.SESSION_CHECK_IN)
@require_POST
def session_action(request: HttpRequest, session_id: str, action: str) -> HttpResponse:
    """One step of the workflow; a form's errors are shown on the page and nothing is saved."""
    step = STEPS.get(action)
    if step is None:
        raise Http404
    actor = request_actor(request)
    form = step.form(actor, request.POST, session_id) if step.form else None
    if form is not None and not form.is_valid():
        _get(actor, session_id)  # another clinic's session is a 404, not a form error
        for name, errors in form.errors.items():
            label = form[name].label if name in form.fields else ""
            for error in errors:
                messages.error(request, f"{label}: {error}" if label else str(error))
        return redirect("sessions:session", session_id=session_id)
    return _after(request, session_id, lambda: step.run(actor, session_id, form), step.success)


@clinic_view(Capability.SESSION_PERFORM)
@require_POST
def point_add(request: HttpRequest, session_id: str) -> HttpResponse:
    actor = request_actor(request)
    session = _get(actor, session_id)
    kb = clinic_knowledge(actor.clinic)
    lots = lots_usable(actor=actor, product_ids=plan_product_ids(session.plan))
    form = PointForm(request.POST, lots=lots, kb=kb)
    if form.is_valid():
        try:
            services.point_add(actor=actor, session_id=session.pk, data=form.service_data())
        except FieldErrors as exc:
            form_add_errors(form, exc)
        except Conflict as exc:
            form.add_error(None, str(exc))
    view = request.POST.get("view", "")
    if not is_htmx(request):
        if form.errors:
            # The page again with the form as it was sent: its alert asks at the top.
            return _session_page(request, actor, session, point_form=form, status=422)
        return redirect(f"{reverse('sessions:session', args=[session.pk])}?view={view}")
    keep = form if form.errors else _kept_point_form(request, actor, session, kb, view)
    sv = SessionView(actor, session)
    return render(
        request,
        "sessions/_chart.html",
        {**_chart_context(actor, sv, view, point_form=keep), "sv": sv, "oob": True},
    )


KEPT_POINT_FIELDS = ("lot", "volume_ml", "depth_mm", "technique", "needle", "kind")


def _kept_point_form(
    request: HttpRequest, actor: Actor, session: TreatmentSession, kb: KnowledgeBase, view: str
) -> PointForm:
    """A fresh point form that keeps the practitioner's lot, volume, depth and technique."""
    kept = {name: request.POST[name] for name in KEPT_POINT_FIELDS if request.POST.get(name)}
    return _point_form(actor, session, kb, {"view": view, **kept})


@clinic_view(Capability.SESSION_PERFORM)
@require_POST
def point_remove(request: HttpRequest, session_id: str) -> HttpResponse:
    """Removes the injection named by the pressed button (`point`) from this session."""
    actor = request_actor(request)
    session = _get(actor, session_id)
    point_id = _uuid_or_none(request.POST.get("point"))
    if point_id is None or not session.points.filter(pk=point_id).exists():
        raise Http404
    try:
        services.point_remove(actor=actor, point_id=point_id)
    except Conflict as exc:
        messages.error(request, str(exc))
    view = request.POST.get("view", "")
    if not is_htmx(request):
        return redirect("sessions:session", session_id=session.pk)
    kb = clinic_knowledge(actor.clinic)
    keep = _kept_point_form(request, actor, session, kb, view)
    sv = SessionView(actor, session)
    return render(
        request,
        "sessions/_chart.html",
        {**_chart_context(actor, sv, view, keep), "sv": sv, "oob": True},
    )


def _uuid_or_none(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def _sheet(actor: Actor, session_id: str) -> AftercareSheet:
    return aftercare_get(actor=actor, session_id=session_id)


@clinic_view(Capability.SESSION_PREPARE)
def aftercare(request: HttpRequest, session_id: str) -> HttpResponse:
    actor = request_actor(request)
    sheet = _sheet(actor, session_id)
    return render(
        request,
        "sessions/aftercare.html",
        {
            "sheet": sheet,
            "c": sheet.content,
            "emails": aftercare_emails(actor=actor, sheet=sheet),
            "send_form": SendForm(),
        },
    )


@clinic_view(Capability.SESSION_PREPARE)
def aftercare_pdf(request: HttpRequest, session_id: str) -> HttpResponse:
    sheet = _sheet(request_actor(request), session_id)
    pdf = render_pdf(aftercare_document(sheet, sheet.patient.full_name))
    return pdf_response(pdf, f"aftercare-{sheet.session_id}.pdf")


@clinic_view(Capability.SESSION_PREPARE)
@require_POST
def aftercare_email(request: HttpRequest, session_id: str) -> HttpResponse:
    actor = request_actor(request)
    form = SendForm(request.POST)
    if not form.is_valid():
        _sheet(actor, session_id)  # another clinic's session is a 404, not a form error
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
        return redirect("sessions:aftercare", session_id=session_id)
    try:
        services.aftercare_send(actor=actor, session_id=session_id, to=form.cleaned_data["to"])
        messages.success(request, "The aftercare e-mail is queued; its status shows below.")
    except FieldErrors as exc:
        messages.error(request, " ".join(m for msgs in exc.errors.values() for m in msgs))
    return redirect("sessions:aftercare", session_id=session_id)


@clinic_view(Capability.SESSION_PREPARE)
@require_POST
def aftercare_email_retry(request: HttpRequest, session_id: str, email_id: str) -> HttpResponse:
    """Sends a failed aftercare e-mail of this session again."""
    actor = request_actor(request)
    sheet = _sheet(actor, session_id)
    if not any(str(e.pk) == str(email_id) for e, _ in aftercare_emails(actor=actor, sheet=sheet)):
        raise Http404
    try:
        email_retry(actor=actor, email_id=email_id)
    except Conflict as exc:
        messages.error(request, str(exc))
    else:
        messages.info(request, "Queued again.")
    return redirect("sessions:aftercare", session_id=session_id)


@clinic_view(Capability.CATALOG_VIEW)
def lot_recipients(request: HttpRequest, lot_id: uuid.UUID) -> HttpResponse:
    """The lot page's recall panel: every session whose points used the lot (clinical staff
    only; each read is audited by the selector)."""
    actor = request_actor(request)
    lot = lot_get(actor=actor, lot_id=lot_id)
    can_see = actor.can(Capability.CLINICAL_VIEW)
    return render(
        request,
        "sessions/_lot_recipients.html",
        {
            "lot": lot,
            "can_see_patients": can_see,
            "sessions": sessions_with_lot(actor=actor, lot_id=lot.pk) if can_see else [],
        },
    )
