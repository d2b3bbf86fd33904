"""The patient's side of intake: answer the questionnaire through a link, without an account."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from mesodesk.accounts.actor import patient_link_actor
from mesodesk.knowledge.allergens import vocabulary
from mesodesk.knowledge.selectors import clinic_knowledge
from mesodesk.patients.forms import allergen_typed
from mesodesk.patients.intake_forms import IntakeQuestionnaireForm
from mesodesk.patients.selectors import IntakeLinkUnusable, LinkProblem, intake_link_resolve
from mesodesk.patients.services.intake import intake_submit

PROBLEM_STATUS = {LinkProblem.INVALID: 404, LinkProblem.EXPIRED: 410, LinkProblem.USED: 410}


def _unusable(request: HttpRequest, problem: LinkProblem) -> HttpResponse:
    # The page says what is wrong with the link and nothing about whose link it was.
    return render(
        request,
        "patients/intake_unusable.html",
        {"problem": problem.value},
        status=PROBLEM_STATUS[problem],
    )


@never_cache
@csrf_protect
def answer(request: HttpRequest, token: str) -> HttpResponse:
    try:
        link = intake_link_resolve(token)
    except IntakeLinkUnusable as exc:
        return _unusable(request, exc.problem)
    form = IntakeQuestionnaireForm(
        request.POST or None, suggest_url=reverse("intake:allergens", args=[token])
    )
    if request.method == "POST" and form.is_valid():
        try:
            intake_submit(
                token=token, answers=form.answers(), actor=patient_link_actor(link.clinic, request)
            )
        except IntakeLinkUnusable as exc:
            return _unusable(request, exc.problem)
        return render(request, "patients/intake_thanks.html", {"clinic": link.clinic})
    return render(
        request,
        "patients/intake_answer.html",
        {"form": form, "clinic": link.clinic},
        status=400 if form.errors else 200,
    )


@never_cache
def allergens(request: HttpRequest, token: str) -> HttpResponse:
    """Allergen-vocabulary suggestions for the intake's allergy fields; only a usable link
    may ask (the answer names substances, nothing of the patient)."""
    try:
        link = intake_link_resolve(token)
    except IntakeLinkUnusable as exc:
        return HttpResponse(status=PROBLEM_STATUS[exc.problem])
    words = vocabulary(clinic_knowledge(link.clinic))
    return render(
        request,
        "patients/_allergen_options.html",
        {"suggestions": words.suggest(allergen_typed(request.GET))},
    )
