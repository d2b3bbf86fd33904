from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import include, path

from mesodesk.api import api
from mesodesk.health import healthz


def home(request: HttpRequest) -> HttpResponse:
    return redirect("patients:list")


urlpatterns = [
    path("", home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("accounts/", include("mesodesk.accounts.urls")),
    path("accounts/passkeys/", include("mesodesk.accounts.mfa_passkey_urls")),
    path("patients/", include("mesodesk.patients.urls")),
    path("intake/", include("mesodesk.patients.intake_urls")),
    path("audit/", include("mesodesk.audit.urls")),
    path("screening/", include("mesodesk.screening.urls")),
    path("knowledge/", include("mesodesk.knowledge.urls")),
    path("catalog/", include("mesodesk.catalog.urls")),
    path("plans/", include("mesodesk.sessions.urls")),  # sessions kept their /plans/ paths
    path("plans/", include("mesodesk.treatments.urls")),
    path("consent/", include("mesodesk.consent.urls")),
    path("staff/", include("mesodesk.staff.urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]
