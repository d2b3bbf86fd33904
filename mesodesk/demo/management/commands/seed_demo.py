from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mesodesk.core.maintenance import database_optimize
from mesodesk.demo.seed import (
    DEMO_PASSWORD,
    demo_exists,
    demo_logins,
    demo_totp_secret,
    seed_demo,
)


class Command(BaseCommand):
    help = "Builds a synthetic demo chain: clinics, one user per role, and patients."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--patients", type=int, default=60)
        parser.add_argument("--clinics", type=int, default=2)
        parser.add_argument("--seed", type=int, default=1, help="Same seed, same patients.")
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when the database already holds an organization.",
        )
        parser.add_argument(
            "--no-screen",
            action="store_false",
            dest="screen",
            help="Skip the general screening of each patient (faster bulk loads).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if demo_exists():
            if options["if_empty"]:
                self.stdout.write("The database already has data; the demo was not loaded.")
                self._print_logins()
                return
            raise CommandError("The database already has data. Use a fresh database.")
        if options["patients"] < 0 or options["clinics"] < 1:
            raise CommandError("--patients must be ≥ 0 and --clinics ≥ 1.")
        clinics = seed_demo(
            patients=options["patients"],
            clinics=options["clinics"],
            seed=options["seed"],
            screen=options["screen"],
        )
        database_optimize()  # a bulk load leaves the query planner without statistics
        self.stdout.write(f"Seeded {options['patients']} patients in {len(clinics)} clinic(s).")
        self._print_logins()

    def _print_logins(self) -> None:
        self.stdout.write(f"Demo logins (password: {DEMO_PASSWORD}):")
        for login in demo_logins():
            step = "then a code" if login.two_step else "password only"
            self.stdout.write(f"  {login.role:<20} {login.email:<34} {step}")
        self.stdout.write(
            "Two-step verification is on, as a clinic runs it (every role but front desk).\n"
            f"  Add the demo key {demo_totp_secret()} to any authenticator app,\n"
            "  or print the current code with: .venv/bin/python manage.py demo_totp"
        )
