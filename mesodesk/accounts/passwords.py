"""Password strength beyond Django's validators: an offline breached-password check.

The list ships with the code (accounts/data/breached-passwords.txt.gz, see the README there),
so a clinic without internet access checks passwords the same way; nothing is sent anywhere.
"""

from __future__ import annotations

import functools
import gzip
import re
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError

BREACHED_LIST_PATH = Path(__file__).resolve().parent / "data" / "breached-passwords.txt.gz"

# Common substitutions people make to "strengthen" a listed word (p@ssw0rd, 5unsh1ne).
_UNLEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a"})
_UNLEET_S = str.maketrans({"$": "s"})
_TRAILING_NOISE = re.compile(r"[\d\W_]+$")
# Below this length a stripped base ("ab" of "ab2024!!") is too short to call a listed word.
MIN_BASE_LENGTH = 5


@functools.cache
def breached_passwords(path: Path = BREACHED_LIST_PATH) -> frozenset[str]:
    """The bundled list, read once per process (about 40,000 entries, ~3 MB in memory)."""
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return frozenset(line.strip() for line in handle if line.strip())


def password_variants(password: str) -> set[str]:
    """The password and the listed words it may hide: case, trailing digits, look-alikes."""
    lowered = password.strip().lower()
    variants = {lowered}
    base = _TRAILING_NOISE.sub("", lowered)
    if len(base) >= MIN_BASE_LENGTH:
        variants.add(base)
    for candidate in list(variants):
        unleeted = candidate.translate(_UNLEET).translate(_UNLEET_S)
        variants.add(unleeted)
        stripped = _TRAILING_NOISE.sub("", unleeted)
        if len(stripped) >= MIN_BASE_LENGTH:
            variants.add(stripped)
    return variants


def password_is_breached(password: str, *, path: Path = BREACHED_LIST_PATH) -> bool:
    listed = breached_passwords(path)
    return any(variant in listed for variant in password_variants(password))


class BreachedPasswordValidator:
    """Refuses passwords found in breaches, also when only case, a number or a symbol differs.

    A superset of Django's CommonPasswordValidator (its 20,000 passwords are in the list).
    """

    def __init__(self, password_list_path: str | Path = BREACHED_LIST_PATH) -> None:
        self.path = Path(password_list_path)

    def validate(self, password: str, user: Any = None) -> None:
        if password_is_breached(password, path=self.path):
            raise ValidationError(
                "This password appears in lists of passwords stolen in data breaches, "
                "so attackers try it first. Choose another.",
                code="password_breached",
            )

    def get_help_text(self) -> str:
        return "Your password can't be one that appears in known data breaches."
