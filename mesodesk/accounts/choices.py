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


ROLE_CAPABILITIES: dict[str, frozenset[Capability]] = {
    Role.PRACTITIONER: frozenset(
        {
            Capability.PATIENT_VIEW,
            Capability.PATIENT_EDIT,
            Capability.CLINICAL_VIEW,
            Capability.CLINICAL_EDIT,
            Capability.INTAKE_SEND,
            Capability.INTAKE_REVIEW,
            Capability.SCREENING_OVERRIDE,
        }
    ),
    Role.NURSE: frozenset(
        {
            Capability.PATIENT_VIEW,
            Capability.PATIENT_EDIT,
            Capability.CLINICAL_VIEW,
            Capability.CLINICAL_EDIT,
            Capability.INTAKE_SEND,
        }
    ),
    Role.FRONT_DESK: frozenset(
        {Capability.PATIENT_VIEW, Capability.PATIENT_EDIT, Capability.INTAKE_SEND}
    ),
    Role.CLINIC_ADMIN: frozenset(
        {Capability.PATIENT_VIEW, Capability.AUDIT_VIEW, Capability.CLINIC_MANAGE}
    ),
    Role.AUDITOR: frozenset({Capability.PATIENT_VIEW, Capability.AUDIT_VIEW}),
}


def role_can(role: str, capability: Capability) -> bool:
    return capability in ROLE_CAPABILITIES.get(role, frozenset())
