from __future__ import annotations

from collections.abc import Iterator

from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from mesodesk.accounts.access import clinic_view, request_actor
from mesodesk.accounts.choices import Capability
from mesodesk.audit.choices import AuditAction
from mesodesk.audit.forms import AuditFilterForm
from mesodesk.audit.selectors import CSV_COLUMNS, audit_page, audit_rows
from mesodesk.audit.services import audit_event_record
from mesodesk.core.csvsafe import Echo, SafeCsvWriter
from mesodesk.core.paging import page_from_query


@clinic_view(Capability.AUDIT_VIEW)
def audit_list(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    form = AuditFilterForm(request.GET or None, clinic=actor.clinic)
    filters = form.to_filter(actor.clinic.zone)
    page = page_from_query(request.GET)
    events, has_next = audit_page(actor=actor, filters=filters, page=page)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/list.html",
        {
            "form": form,
            "events": events,
            "page": page,
            "has_next": has_next,
            "query": query.urlencode(),
        },
    )


@clinic_view(Capability.AUDIT_VIEW)
def audit_export(request: HttpRequest) -> HttpResponseBase:
    actor = request_actor(request)
    form = AuditFilterForm(request.GET or None, clinic=actor.clinic)
    filters = form.to_filter(actor.clinic.zone)
    audit_event_record(
        actor=actor,
        action=AuditAction.EXPORT,
        summary="audit trail CSV",
        changes={"filters": [None, request.GET.urlencode()]},
    )
    writer = SafeCsvWriter(Echo())

    def stream() -> Iterator[str]:
        yield writer.writerow(CSV_COLUMNS)
        for row in audit_rows(actor=actor, filters=filters):
            yield writer.writerow(row)

    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
    return response
