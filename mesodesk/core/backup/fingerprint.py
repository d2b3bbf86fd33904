"""Row counts and checksums of every table, to prove a restored database is the one saved."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from typing import Any, Protocol


class Cursor(Protocol):
    @property
    def description(self) -> Any: ...

    def execute(self, sql: str, params: Any = ..., /) -> Any: ...

    def fetchmany(self, size: int = ..., /) -> list[Any]: ...


def _value(value: Any) -> str:
    if isinstance(value, memoryview):
        value = bytes(value)
    return repr(value)


def table_fingerprint(cursor: Cursor, quoted: str) -> dict[str, Any]:
    cursor.execute(f"SELECT * FROM {quoted} WHERE 1 = 0")  # noqa: S608 - names from introspection
    width = len(cursor.description)
    order = ", ".join(str(n) for n in range(1, width + 1))
    cursor.execute(f"SELECT * FROM {quoted} ORDER BY {order}")  # noqa: S608
    digest, rows = hashlib.sha256(), 0
    while batch := cursor.fetchmany(2000):
        for row in batch:
            digest.update(("\x1f".join(_value(v) for v in row) + "\x1e").encode())
            rows += 1
    return {"rows": rows, "sha256": digest.hexdigest()}


def fingerprints(
    cursor: Cursor, tables: Iterable[str], quote: Callable[[str], str]
) -> dict[str, dict[str, Any]]:
    return {name: table_fingerprint(cursor, quote(name)) for name in sorted(tables)}


def differences(expected: dict[str, dict[str, Any]], found: dict[str, dict[str, Any]]) -> list[str]:
    """Every table whose presence, row count or checksum differs, in words."""
    problems = []
    for name in sorted(set(expected) | set(found)):
        want, got = expected.get(name), found.get(name)
        if got is None:
            problems.append(f"table {name} is missing")
        elif want is None:
            problems.append(f"table {name} is not in the backup's manifest")
        elif want["rows"] != got["rows"]:
            problems.append(f"table {name}: {got['rows']} rows, the backup had {want['rows']}")
        elif want["sha256"] != got["sha256"]:
            problems.append(f"table {name}: same row count but different content")
    return problems
