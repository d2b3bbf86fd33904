"""Roles and what each role may do."""

from __future__ import annotations

from enum import StrEnum

from django.db import models


class Role(models.TextChoices):
    PRACTITIONER = "practitioner", "Practitioner"
    NURSE = "nurse", "Nurse / assistant"
    FRONT_DESK = "front_desk", "Front desk"
    CLINIC_ADMIN = "clinic_admin", "Clinic admin"
    AUDITOR = "auditor", "Auditor"


class Capability(StrEnum):
    """A thing a role may do; services check capabilities, never role names."""

    PATIENT_VIEW = "patient.view"  # demographics and contact details
    PATIENT_EDIT = "patient.edit"  # register and edit demographics and contact details
    CLINICAL_VIEW = "clinical.view"  # medical history, allergies, medications, clinical profile
    CLINICAL_EDIT = "clinical.edit"  # record history and the clinical profile
    INTAKE_SEND = "intake.send"
    INTAKE_REVIEW = "intake.review"  # accept intake answers into the history
    AUDIT_VIEW = "audit.view"
    CLINIC_MANAGE = "clinic.manage"  # users, catalog, stock, protocols, knowledge settings
    SCREENING_OVERRIDE = "screening.override"
    CATALOG_VIEW = "catalog.view"  # products, lots, protocols
    CATALOG_MANAGE = "catalog.manage"  # create products, clone and publish protocols
    STOCK_MANAGE = "stock.manage"  # receive, adjust, quarantine and release lots
    PLAN_VIEW = "plan.view"
    PLAN_EDIT = "plan.edit"  # build, activate, complete and cancel treatment plans
    SESSION_CHECK_IN = "session.check_in"
    SESSION_PREPARE = "session.prepare"  # create sessions, checklist, aftercare sending
    SESSION_PERFORM = "session.perform"  # start, chart, complete, sign, addenda
    BREAK_GLASS_REVIEW = "break_glass.review"  # sign off emergency chart access
    SCHEDULE_VIEW = "schedule.view"  # the calendar and the day's list (no clinical detail)
    APPOINTMENT_BOOK = "appointment.book"  # book, move, confirm and cancel appointments
    SCHEDULE_MANAGE = "schedule.manage"  # rooms, working hours, absences, appointment types


_CLINICAL = {
    Capability.PATIENT_VIEW,
    Capability.PATIENT_EDIT,
    Capability.CLINICAL_VIEW,
    Capability.CLINICAL_EDIT,
    Capability.INTAKE_SEND,
    Capability.CATALOG_VIEW,
    Capability.STOCK_MANAGE,
    Capability.PLAN_VIEW,
    Capability.SESSION_CHECK_IN,
    Capability.SESSION_PREPARE,
    Capability.SCHEDULE_VIEW,
    Capability.APPOINTMENT_BOOK,
}

ROLE_CAPABILITIES: dict[str, frozenset[Capability]] = {
    Role.PRACTITIONER: frozenset(
        _CLINICAL
        | {
            Capability.INTAKE_REVIEW,
            Capability.SCREENING_OVERRIDE,
            Capability.CATALOG_MANAGE,
            Capability.PLAN_EDIT,
            Capability.SESSION_PERFORM,
        }
    ),
    Role.NURSE: frozenset(_CLINICAL),
    Role.FRONT_DESK: frozenset(
        {
            Capability.PATIENT_VIEW,
            Capability.PATIENT_EDIT,
            Capability.INTAKE_SEND,
            Capability.SESSION_CHECK_IN,
            Capability.SCHEDULE_VIEW,
            Capability.APPOINTMENT_BOOK,
        }
    ),
    Role.CLINIC_ADMIN: frozenset(
        {
            Capability.PATIENT_VIEW,
            Capability.AUDIT_VIEW,
            Capability.CLINIC_MANAGE,
            Capability.CATALOG_VIEW,
            Capability.CATALOG_MANAGE,
            Capability.STOCK_MANAGE,
            Capability.SCHEDULE_VIEW,
            Capability.APPOINTMENT_BOOK,
            Capability.SCHEDULE_MANAGE,
        }
    ),
    Role.AUDITOR: frozenset(
        {Capability.PATIENT_VIEW, Capability.AUDIT_VIEW, Capability.BREAK_GLASS_REVIEW}
    ),
}


def role_can(role: str, capability: Capability) -> bool:
    return capability in ROLE_CAPABILITIES.get(role, frozenset())
