"""Reads of the patient record, scoped to the actor's clinic; chart reads are audited."""

from __future__ import annotations

import datetime as dt
import heapq
import re
import uuid
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TypeVar

from django.conf import settings
from django.core import signing
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from mesodesk.accounts.actor import Actor
from mesodesk.accounts.choices import Capability
from mesodesk.audit.choices import AuditAction
from mesodesk.audit.redaction import EventView
from mesodesk.audit.selectors import clinical_amendments
from mesodesk.audit.services import audit_event_record, object_type_of
from mesodesk.core.errors import ObjectId
from mesodesk.core.lookups import get_in_clinic, parse_id
from mesodesk.core.paging import clamp_page
from mesodesk.knowledge.loader import knowledge
from mesodesk.patients.choices import IntakeStatus, VerificationStatus
from mesodesk.patients.models import (
    Allergy,
    Condition,
    HistoryItem,
    IntakeLink,
    IntakeSubmission,
    Medication,
    Patient,
)
from mesodesk.patients.validators import name_key, phone_key

HistoryModel = TypeVar("HistoryModel", Condition, Medication, Allergy)

DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y")
PHONE_QUERY = re.compile(r"^\+?[0-9 ()./-]+$")
MIN_PHONE_DIGITS = 3
MIN_GIVEN_PREFIX = 2
RECENT_INTAKES = 5


def condition_kind(code: str) -> str:
    """The knowledge base's kind of a condition code ("pregnancy", "site", "other", …)."""
    entry = knowledge().conditions.get(code)
    return entry.kind if entry else ""


def patients_for(actor: Actor) -> QuerySet[Patient]:
    actor.require(Capability.PATIENT_VIEW)
    patients = Patient.objects.filter(clinic=actor.clinic)
    if actor.patient_scope is not None:
        # A break-glass actor sees the one patient it was granted, nothing else of the clinic.
        patients = patients.filter(pk=actor.patient_scope)
    return patients


def patients_in_clinic(*, clinic_id: ObjectId) -> QuerySet[Patient]:
    """One clinic's patients with their clinic, without a capability check: for emergency
    access (break-glass), whose caller has already decided the actor may reach the clinic."""
    return Patient.objects.filter(clinic_id=clinic_id).select_related(
        "clinic", "clinic__organization"
    )


@dataclass(frozen=True)
class PossibleDuplicate:
    """An existing chart that may be the same person, and what matched."""

    patient: Patient
    matched_on: list[str]


def patient_possible_duplicates(
    *,
    actor: Actor,
    given_name: str,
    family_name: str,
    date_of_birth: dt.date | None,
    email: str = "",
    phone: str = "",
    exclude_id: ObjectId | None = None,
) -> list[PossibleDuplicate]:
    """The clinic's patients with the same name and date of birth, the same e-mail or the same
    mobile number (each condition reads an index)."""
    given, family = name_key(given_name or ""), name_key(family_name or "")
    email, phone = (email or "").strip().lower(), phone_key(phone or "")
    query = Q(pk__in=[])
    if given and family and date_of_birth is not None:
        query |= Q(family_key=family, given_key=given, date_of_birth=date_of_birth)
    if email:
        query |= Q(email=email)
    if phone:
        query |= Q(phone_key=phone)
    found = patients_for(actor).filter(query)
    if exclude_id is not None:
        found = found.exclude(pk=exclude_id)
    duplicates = []
    for patient in found[:10]:
        matched = []
        same_name = (patient.given_key, patient.family_key) == (given, family)
        if same_name and patient.date_of_birth == date_of_birth:
            matched.append("the same name and date of birth")
        if email and patient.email == email:
            matched.append("the same e-mail")
        if phone and patient.phone_key == phone:
            matched.append("the same mobile number")
        duplicates.append(PossibleDuplicate(patient=patient, matched_on=matched))
    return duplicates


def _prefix_range(field_name: str, prefix: str) -> Q:
    # A range instead of LIKE 'x%': SQLite's LIKE is case-insensitive and skips plain indexes;
    # keys are lower-case ASCII letters and digits, so the range is exact on both databases.
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    return Q(**{f"{field_name}__gte": prefix, f"{field_name}__lt": upper})


def _parse_date(text: str) -> dt.date | None:
    for fmt in DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()  # noqa: DTZ007 - a calendar date
        except ValueError:
            continue
    return None


@dataclass(frozen=True)
class PatientPage:
    patients: list[Patient]
    page: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.page > 1


def search_branches(query: str) -> list[Q] | None:
    """The filters a search box stands for; a patient matches if any branch matches.

    A date is a date of birth, digits are a phone number, anything else is one or two name
    prefixes (a single prefix of two or more letters matches the family or the given name;
    one letter matches family names). None means no filter.
    """
    text = query.strip()
    if not text:
        return None
    birth = _parse_date(text)
    if birth is not None:
        return [Q(date_of_birth=birth)]
    if PHONE_QUERY.match(text) and sum(c.isdigit() for c in text) >= MIN_PHONE_DIGITS:
        return [_prefix_range("phone_key", phone_key(text))]
    tokens = [name_key(t) for t in re.split(r"[\s,]+", text)]
    tokens = [t for t in tokens if t][:2]
    if not tokens:
        return [Q(pk__in=[])]
    if len(tokens) == 1:
        if len(tokens[0]) < MIN_GIVEN_PREFIX:
            # One letter lists family names only: every tenth patient's given name starts
            # with it, and sorting those by family name is what makes a search slow.
            return [_prefix_range("family_key", tokens[0])]
        return [_prefix_range("family_key", tokens[0]), _prefix_range("given_key", tokens[0])]
    first, second = tokens
    return [
        _prefix_range("family_key", second) & _prefix_range("given_key", first),
        _prefix_range("family_key", first) & _prefix_range("given_key", second),
    ]


LIST_ORDER = ("family_key", "given_key", "id")
LIST_FIELDS = (
    "id",
    "given_name",
    "family_name",
    "date_of_birth",
    "sex",
    "phone",
    "email",
    "family_key",
    "given_key",
)


def patient_search(
    *, actor: Actor, query: str = "", page: int = 1, page_size: int = 25
) -> PatientPage:
    """One page of the clinic's patients matching `query`, ordered by family then given name.

    Each branch of an either/or search is read separately in list order (index range scans
    that stop at the page), then merged: an OR in one query makes the database sort every
    match of a one-letter prefix.
    """
    page = clamp_page(page)
    base = patients_for(actor)
    wanted = page * page_size + 1
    branches = search_branches(query)
    if branches is None or len(branches) == 1:
        qs = base if branches is None else base.filter(branches[0])
        offset = (page - 1) * page_size
        rows = list(qs.only(*LIST_FIELDS).order_by(*LIST_ORDER)[offset : offset + page_size + 1])
        return PatientPage(patients=rows[:page_size], page=page, has_next=len(rows) > page_size)
    keys = heapq.merge(
        *(
            base.filter(branch).order_by(*LIST_ORDER).values_list(*LIST_ORDER)[:wanted]
            for branch in branches
        )
    )
    ordered_ids = list(dict.fromkeys(key[2] for key in keys))
    window = ordered_ids[(page - 1) * page_size : page * page_size]
    # By primary key alone: the ids come from clinic-scoped queries above, and a clinic
    # condition here tempts SQLite into scanning the clinic's index instead.
    found = Patient.objects.only(*LIST_FIELDS).in_bulk(window)
    return PatientPage(
        patients=[found[pk] for pk in window if pk in found],
        page=page,
        has_next=len(ordered_ids) > page * page_size,
    )


def patient_get(*, actor: Actor, patient_id: ObjectId) -> Patient:
    """A patient of the actor's clinic (demographics), or NotFound."""
    return get_in_clinic(patients_for(actor), patient_id)


H = TypeVar("H", bound=HistoryItem)


@dataclass(frozen=True)
class Amendment:
    """One recorded change to a clinical fact, in the reader's words."""

    event: EventView
    what: str
    fields: list[tuple[str, object, object]]


def _field_label(model: type[Patient | Condition | Medication | Allergy], name: str) -> str:
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:  # a field renamed since the event was written
        field = None
    label = getattr(field, "verbose_name", None) or name.replace("_", " ")
    return str(label).capitalize()


def history_amendments(*, actor: Actor, patient_id: ObjectId) -> list[Amendment]:
    """Who changed which clinical fact of this patient, when, from what to what (audited)."""
    actor.require(Capability.CLINICAL_VIEW)
    patient = patient_get(actor=actor, patient_id=patient_id)
    models_by_type = {object_type_of(m): m for m in (Patient, Condition, Medication, Allergy)}
    events = clinical_amendments(
        actor=actor, patient_id=patient.pk, object_types=list(models_by_type)
    )
    audit_event_record(
        actor=actor,
        action=AuditAction.READ,
        obj=patient,
        patient_id=patient.pk,
        summary="history amendments",
    )
    amendments = []
    for event in events:
        model = models_by_type[event.object_type]
        fields = [
            (_field_label(model, name), before, after)
            for name, before, after, _ in event.change_rows
        ]
        amendments.append(Amendment(event, str(model._meta.verbose_name).capitalize(), fields))
    return amendments


def conditions_for(*, actor: Actor, patient_id: uuid.UUID) -> QuerySet[Condition]:
    actor.require(Capability.CLINICAL_VIEW)
    return (
        Condition.objects.filter(clinic=actor.clinic, patient_id=patient_id)
        .exclude(verification_status=VerificationStatus.ENTERED_IN_ERROR)
        .select_related("confirmed_by")
    )


def medications_for(*, actor: Actor, patient_id: uuid.UUID) -> QuerySet[Medication]:
    actor.require(Capability.CLINICAL_VIEW)
    return Medication.objects.filter(clinic=actor.clinic, patient_id=patient_id).select_related(
        "confirmed_by"
    )


def allergies_for(*, actor: Actor, patient_id: uuid.UUID) -> QuerySet[Allergy]:
    actor.require(Capability.CLINICAL_VIEW)
    return (
        Allergy.objects.filter(clinic=actor.clinic, patient_id=patient_id)
        .exclude(verification_status=VerificationStatus.ENTERED_IN_ERROR)
        .select_related("confirmed_by")
    )


@dataclass(frozen=True)
class PatientChart:
    """What the chart page shows; history lists are empty for roles that may not see them."""

    patient: Patient
    shows_clinical: bool
    conditions: list[Condition] = field(default_factory=list)
    medications: list[Medication] = field(default_factory=list)
    allergies: list[Allergy] = field(default_factory=list)
    intake_links: list[IntakeLink] = field(default_factory=list)
    intakes: list[IntakeSubmission] = field(default_factory=list)

    @property
    def pending_intakes(self) -> list[IntakeSubmission]:
        return [i for i in self.intakes if i.status == IntakeStatus.PENDING]


def patient_chart(*, actor: Actor, patient_id: ObjectId) -> PatientChart:
    """The patient's chart for this actor; every call is recorded as a read in the audit trail."""
    patient = patient_get(actor=actor, patient_id=patient_id)
    shows_clinical = actor.can(Capability.CLINICAL_VIEW)
    chart = PatientChart(
        patient=patient,
        shows_clinical=shows_clinical,
        conditions=list(conditions_for(actor=actor, patient_id=patient.pk))
        if shows_clinical
        else [],
        medications=list(medications_for(actor=actor, patient_id=patient.pk))
        if shows_clinical
        else [],
        allergies=list(allergies_for(actor=actor, patient_id=patient.pk)) if shows_clinical else [],
        intake_links=list(
            IntakeLink.objects.filter(clinic=actor.clinic, patient=patient)
            .select_related("created_by")
            .order_by("-created_at")[:RECENT_INTAKES]
        ),
        intakes=list(
            IntakeSubmission.objects.filter(clinic=actor.clinic, patient=patient)
            .select_related("reviewed_by")
            .order_by("-created_at")[:RECENT_INTAKES]
        ),
    )
    audit_event_record(
        actor=actor,
        action=AuditAction.READ,
        obj=patient,
        patient_id=patient.pk,
        summary="chart with history" if shows_clinical else "chart (demographics)",
    )
    return chart


def intakes_pending(*, actor: Actor) -> QuerySet[IntakeSubmission]:
    actor.require(Capability.INTAKE_REVIEW)
    return (
        IntakeSubmission.objects.filter(clinic=actor.clinic, status=IntakeStatus.PENDING)
        .select_related("patient")
        .order_by("created_at")
    )


def intake_get(*, actor: Actor, submission_id: ObjectId) -> IntakeSubmission:
    actor.require(Capability.INTAKE_REVIEW)
    submission = get_in_clinic(
        IntakeSubmission.objects.select_related("patient", "reviewed_by").filter(
            clinic=actor.clinic
        ),
        submission_id,
        message="No such intake in this clinic.",
    )
    audit_event_record(
        actor=actor,
        action=AuditAction.READ,
        obj=submission,
        patient_id=submission.patient_id,
        summary="intake answers",
    )
    return submission


def intake_links_for(*, actor: Actor, patient_id: uuid.UUID) -> QuerySet[IntakeLink]:
    """The intake links sent to a patient; the read is audited."""
    actor.require(Capability.PATIENT_VIEW)
    audit_event_record(
        actor=actor,
        action=AuditAction.READ,
        object_type=object_type_of(Patient),
        object_id=patient_id,
        patient_id=patient_id,
        summary="intake links list",
    )
    return IntakeLink.objects.filter(clinic=actor.clinic, patient_id=patient_id).order_by(
        "-created_at"
    )


def patient_for_edit(*, actor: Actor, patient_id: ObjectId) -> Patient:
    """A patient for the edit form, which shows the clinical profile to clinical roles; the
    read is audited."""
    patient = patient_get(actor=actor, patient_id=patient_id)
    audit_event_record(
        actor=actor,
        action=AuditAction.READ,
        obj=patient,
        patient_id=patient.pk,
        summary="patient edit form",
    )
    return patient


def history_item_for_edit(
    *, actor: Actor, model: type[HistoryModel], patient: Patient, item_id: ObjectId
) -> HistoryModel:
    """A condition, medication or allergy for its edit form; the read is audited."""
    actor.require(Capability.CLINICAL_VIEW)
    item = get_in_clinic(
        model._default_manager.filter(clinic=actor.clinic, patient=patient),
        item_id,
        message="No such history item for this patient.",
    )
    audit_event_record(
        actor=actor,
        action=AuditAction.READ,
        obj=item,
        patient_id=patient.pk,
        summary="history edit form",
    )
    return item


@dataclass(frozen=True)
class HistorySnapshot:
    patient: Patient
    conditions: list[Condition]
    medications: list[Medication]
    allergies: list[Allergy]


def history_snapshot(*, clinic_id: uuid.UUID, patient_id: ObjectId) -> HistorySnapshot:
    """The facts clinical engines read (screening), scoped to a clinic but not to a role:
    engines run as a consequence of permitted writes, and what they store is shown through
    role-checked pages. Entered-in-error items are left out."""
    patient = get_in_clinic(Patient.objects.filter(clinic_id=clinic_id), patient_id)
    return HistorySnapshot(
        patient=patient,
        conditions=list(
            Condition.objects.filter(clinic_id=clinic_id, patient=patient).exclude(
                verification_status=VerificationStatus.ENTERED_IN_ERROR
            )
        ),
        medications=list(
            Medication.objects.filter(clinic_id=clinic_id, patient=patient).exclude(
                status="entered-in-error"
            )
        ),
        allergies=list(
            Allergy.objects.filter(clinic_id=clinic_id, patient=patient).exclude(
                verification_status__in=[
                    VerificationStatus.ENTERED_IN_ERROR,
                    VerificationStatus.REFUTED,
                ]
            )
        ),
    )


# The intake link's token is its own authority (the patient is not a clinic member): these
# reads resolve it without an actor.
_SIGNER = signing.Signer(salt="mesodesk.intake-link", sep=".")


class LinkProblem(StrEnum):
    INVALID = "invalid"
    EXPIRED = "expired"
    USED = "used"


class IntakeLinkUnusable(Exception):
    def __init__(self, problem: LinkProblem) -> None:
        self.problem = problem
        super().__init__(problem.value)


def intake_token(link: IntakeLink) -> str:
    return _SIGNER.sign(link.pk.hex)


def intake_url(link: IntakeLink, base_url: str = "") -> str:
    """The patient's URL; `base_url` is the address staff reach mesodesk at (else SITE_URL)."""
    return (base_url or settings.SITE_URL).rstrip("/") + reverse(
        "intake:answer", args=[intake_token(link)]
    )


def intake_link_resolve(token: str) -> IntakeLink:
    """The usable link behind a token, or `IntakeLinkUnusable` saying why (and nothing more)."""
    try:
        pk = parse_id(_SIGNER.unsign(token))
    except signing.BadSignature as exc:
        raise IntakeLinkUnusable(LinkProblem.INVALID) from exc
    link = None if pk is None else IntakeLink.objects.select_related("clinic").filter(pk=pk).first()
    if link is None:
        raise IntakeLinkUnusable(LinkProblem.INVALID)
    if link.used_at is not None:
        raise IntakeLinkUnusable(LinkProblem.USED)
    if link.revoked_at is not None:
        raise IntakeLinkUnusable(LinkProblem.INVALID)
    if link.expires_at <= timezone.now():
        raise IntakeLinkUnusable(LinkProblem.EXPIRED)
    return link
