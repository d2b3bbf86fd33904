"""Makes a user an organization admin (or ends it): `manage.py staff_organization_admin`."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mesodesk.accounts.selectors import organizations_named, user_by_email
from mesodesk.staff.services import organization_admin_set


class Command(BaseCommand):
    help = "Make a user an organization admin (manages staff in every clinic of it)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")
        parser.add_argument("organization", help="the organization's name")
        parser.add_argument("--revoke", action="store_true", help="end the role instead")

    def handle(self, *args: Any, **options: Any) -> None:
        user = user_by_email(email=options["email"].strip().lower())
        if user is None:
            raise CommandError("No user with that e-mail address.")
        organizations = organizations_named(name=options["organization"])
        if len(organizations) != 1:
            raise CommandError("Name exactly one organization.")
        organization_admin_set(
            organization=organizations[0],
            user=user,
            active=not options["revoke"],
            by="manage.py staff_organization_admin",
        )
        state = "is no longer" if options["revoke"] else "is now"
        self.stdout.write(f"{user.email} {state} an organization admin of {organizations[0]}.")
