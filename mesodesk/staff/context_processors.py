"""What the header needs to know about staff management and break-glass, computed lazily."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.http import HttpRequest

from mesodesk.accounts.actor import Actor
from mesodesk.accounts.choices import Capability

# Set at log-in (receivers.py): the organizations the user administers, so the header needs no
# query on every page. Authorization itself is always checked against the database.
ORG_ADMIN_SESSION_KEY = "mesodesk_org_admin_of"


class StaffNav:
    def __init__(self, request: HttpRequest, actor: Actor) -> None:
        self.request = request
        self.actor = actor

    @cached_property
    def may_manage(self) -> bool:
        if self.actor.patient_scope is not None:
            return False
        if self.actor.can(Capability.CLINIC_MANAGE):
            return True
        orgs = self.request.session.get(ORG_ADMIN_SESSION_KEY) or []
        return str(self.actor.clinic.organization_id) in orgs

    @cached_property
    def may_review(self) -> bool:
        return self.actor.patient_scope is None and (
            self.actor.can(Capability.BREAK_GLASS_REVIEW)
            or self.actor.can(Capability.CLINIC_MANAGE)
        )

    @cached_property
    def pending_reviews(self) -> int:
        from mesodesk.staff.breakglass import grants_pending_count

        return grants_pending_count(self.actor) if self.may_review else 0

    @cached_property
    def may_break_glass_here(self) -> bool:
        from mesodesk.staff.breakglass import SAME_CLINIC_ROLES

        return self.actor.patient_scope is None and self.actor.role in SAME_CLINIC_ROLES

    @cached_property
    def may_break_glass_elsewhere(self) -> bool:
        from mesodesk.staff.breakglass import OTHER_CLINIC_ROLES

        return self.actor.patient_scope is None and self.actor.role in OTHER_CLINIC_ROLES


def staff_context(request: HttpRequest) -> dict[str, Any]:
    actor = getattr(request, "actor", None)
    if not isinstance(actor, Actor):
        return {"staff": None}
    return {"staff": StaffNav(request, actor)}
