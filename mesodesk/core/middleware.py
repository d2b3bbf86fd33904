"""Request hygiene every answer shares: NUL bytes refused, rate limits, no caching.

Each lives here once, before any view runs, so no endpoint or page can forget it.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.core.handlers.exception import response_for_exception
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.cache import add_never_cache_headers

from mesodesk.core.api import RETRYABLE
from mesodesk.core.clientip import client_ip
from mesodesk.core.errors import NotFound
from mesodesk.core.ratelimit import parse_rate, rate_hit

API_PREFIX = "/api/"
NUL = "\x00"
NUL_MESSAGE = "Text may not contain NUL characters."

Handler = Callable[[HttpRequest], HttpResponse]


def _nul_paths(value: Any, path: tuple[str, ...] = ()) -> Iterator[str]:
    """The dotted paths of every string (key or value) in a JSON value that holds a NUL."""
    if isinstance(value, str):
        if NUL in value:
            yield ".".join(path) or "__all__"
    elif isinstance(value, dict):
        for key, item in value.items():
            if NUL in str(key):
                yield ".".join((*path, str(key).replace(NUL, "\\0")))
            else:
                yield from _nul_paths(item, (*path, str(key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _nul_paths(item, (*path, str(index)))


def _is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


def _refusal(request: HttpRequest, fields: list[str]) -> HttpResponse:
    if _is_api(request):
        return JsonResponse(
            {
                "detail": "Invalid input; nothing was saved.",
                "errors": [{"field": f, "message": NUL_MESSAGE} for f in fields],
            },
            status=422,
        )
    return HttpResponse(render_to_string("400.html", request=request), status=400)


class NulByteMiddleware:
    """Refuses a NUL byte anywhere in a request's text: PostgreSQL cannot store one (the query
    fails) and SQLite would store it silently. The API answers 422 naming each field; a page
    answers 400 (no browser sends NUL from a form field)."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            fields = self._fields(request)
        except MultiPartParserError:
            return _malformed(request)
        if fields:
            return _refusal(request, fields)
        return self.get_response(request)

    def _fields(self, request: HttpRequest) -> list[str]:
        if NUL in request.path:
            return ["path"]
        fields = [k for k, vs in request.GET.lists() if NUL in k or any(NUL in v for v in vs)]
        if request.method in ("POST", "PUT", "PATCH", "DELETE"):
            if request.content_type == "application/json":
                try:
                    body = json.loads(request.body)
                except ValueError:
                    return fields  # the API answers malformed JSON itself
                fields += list(_nul_paths(body))
            elif not _is_api(request) and request.content_type in (
                "application/x-www-form-urlencoded",
                "multipart/form-data",
            ):
                post = request.POST.lists()
                fields += [k for k, vs in post if NUL in k or any(NUL in v for v in vs)]
        return fields


def _malformed(request: HttpRequest) -> HttpResponse:
    """A body that cannot be parsed (a multipart body without a boundary): 400, not 500."""
    if _is_api(request):
        return JsonResponse({"detail": "Cannot parse request body"}, status=400)
    return HttpResponse(render_to_string("400.html", request=request), status=400)


def _too_many(request: HttpRequest, retry_after: int) -> HttpResponse:
    if _is_api(request):
        response: HttpResponse = JsonResponse(
            {"detail": f"Too many requests; try again in {retry_after} s."}, status=429
        )
    else:
        response = HttpResponse(
            f"Too many requests; try again in {retry_after} seconds.",
            status=429,
            content_type="text/plain; charset=utf-8",
        )
    response["Retry-After"] = str(retry_after)
    return response


class RateLimitMiddleware:
    """Rate limits in the shared cache: the API per bearer token (per address without one),
    the public intake links per address, and log-in attempts per address whatever the user
    name (password spraying). django-axes still locks a user name + address pair."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response
        self._login_path: str | None = None

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = self._limit(request)
        if limit is not None:
            scope, ident, rate = limit
            wait = rate_hit(scope, ident, parse_rate(rate))
            if wait is not None:
                return _too_many(request, wait)
        return self.get_response(request)

    def _limit(self, request: HttpRequest) -> tuple[str, str, str] | None:
        path = request.path_info
        address = client_ip(request) or "unknown"
        if path.startswith(API_PREFIX):
            auth = request.META.get("HTTP_AUTHORIZATION", "")
            if auth.lower().startswith("bearer ") and auth[7:].strip():
                return ("api-token", auth[7:].strip(), settings.API_RATE)
            return ("api-address", address, settings.API_RATE)
        if path.startswith("/intake/"):
            return ("intake", address, settings.INTAKE_RATE)
        if request.method == "POST":
            if self._login_path is None:
                self._login_path = reverse(settings.LOGIN_URL)
            if path == self._login_path:
                return ("login", address, settings.LOGIN_RATE)
        return None


class RetryConflictMiddleware:
    """Runs an API request again (twice at most) when concurrent writers deadlocked on
    PostgreSQL or SQLite stayed busy: the database rolled the whole transaction back, so a
    retry is safe. The API's error handler marks such answers (409 with Retry-After); the
    client sees that answer only when every attempt lost."""

    ATTEMPTS = 3

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        for attempt in range(1, self.ATTEMPTS + 1):
            response = self.get_response(request)
            if attempt == self.ATTEMPTS or not getattr(response, RETRYABLE, False):
                return response
            time.sleep(random.uniform(0.02, 0.1) * attempt)  # noqa: S311 - jitter, not secrets
        return response


class NoStoreMiddleware:
    """`Cache-Control: no-store` (with Django's never-cache set) on every answer the app
    renders: pages, PDFs and API answers carry patient data that must not linger in a shared
    browser or proxy cache. Static files are served before this middleware and stay cacheable."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        add_never_cache_headers(response)
        return response


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
