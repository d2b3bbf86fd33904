"""Small HTTP helpers shared by pages and the API."""

from __future__ import annotations

from django.http import HttpResponse


def pdf_response(pdf: bytes, filename: str) -> HttpResponse:
    """A PDF shown in the browser (inline), saved under `filename` if downloaded."""
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response
