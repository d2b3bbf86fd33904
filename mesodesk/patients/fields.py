"""The input bounds of the patients app, defined once (see `core.fields`)."""

from __future__ import annotations

from mesodesk.core.fields import bound, plain_bound

WEIGHT_KG = bound("patients.weight_kg")
HEIGHT_CM = bound("patients.height_cm")
# How long an intake link may stay valid: a product decision, not clinical data.
INTAKE_LINK_TTL_HOURS = plain_bound(1, 24 * 14, "hours")

# The patient's identity and contact fields: one list for the form, the API and the services.
DEMOGRAPHIC_FIELDS = (
    "given_name",
    "family_name",
    "date_of_birth",
    "sex",
    "email",
    "phone",
    "address",
    "emergency_contact_name",
    "emergency_contact_phone",
    "emergency_contact_relationship",
)
