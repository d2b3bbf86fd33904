"""Page-layer translation of service errors into HTTP answers, in one place."""

from __future__ import annotations

from collections.abc import Callable

from django.core.handlers.exception import response_for_exception
from django.http import Http404, HttpRequest, HttpResponse

from mesodesk.core.errors import NotFound


class NotFoundMiddleware:
    """A page whose object is missing, foreign or malformed (`NotFound`) answers 404.

    Views let `NotFound` from selectors and services propagate; this is the only place pages
    turn it into a 404 (the API does the same in `core.api.install_error_handlers`).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, NotFound):
            return response_for_exception(request, Http404(str(exception)))
        return None
