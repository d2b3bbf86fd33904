"""The JSON API at /api/v1/ (django-ninja); each app contributes one router."""

from __future__ import annotations

from ninja import NinjaAPI

from mesodesk.accounts.api_auth import TokenAuth
from mesodesk.catalog.api import router as catalog_router
from mesodesk.consent.api import router as consent_router
from mesodesk.core.api import install_error_handlers
from mesodesk.patients.api import router as patients_router
from mesodesk.screening.api import router as screening_router
from mesodesk.sessions.api import router as sessions_router
from mesodesk.staff.api import router as staff_router
from mesodesk.treatments.api import router as treatments_router

api = NinjaAPI(
    title="mesodesk API",
    version="1",
    description=(
        "The clinical system of a mesotherapy practice. Authenticate with "
        "`Authorization: Bearer <token>` (create tokens under API tokens in the app). "
        "Every object belongs to the token's clinic; objects of other clinics answer 404. "
        "Invalid input answers 422 with `errors: [{field, message}]` and saves nothing."
    ),
    auth=TokenAuth(),
    urls_namespace="api",
    docs_url="/docs",
)
install_error_handlers(api)
api.add_router("/", patients_router)
api.add_router("/", screening_router)
api.add_router("/", catalog_router)
api.add_router("/", treatments_router)
api.add_router("/", consent_router)
api.add_router("/", sessions_router)
api.add_router("/", staff_router)
