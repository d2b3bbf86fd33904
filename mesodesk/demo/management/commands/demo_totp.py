from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from mesodesk.demo.seed import demo_totp_code, demo_totp_secret


class Command(BaseCommand):
    help = "Prints the second-step code of the demo users (their published authenticator key)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"Demo authenticator code now: {demo_totp_code()}")
        self.stdout.write(f"(the next one: {demo_totp_code(offset_steps=1)})")
        self.stdout.write(f"Demo key for an authenticator app: {demo_totp_secret()}")
