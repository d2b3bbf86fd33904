"""Database upkeep: keep the query planner's statistics current.

SQLite has no autovacuum-analyze: without statistics its planner may scan a whole clinic
where an index range would do (see docs/PERFORMANCE.md). PostgreSQL analyzes on its own;
running ANALYZE there too is harmless.
"""

from __future__ import annotations

from django.db import connection


def database_optimize() -> str:
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA optimize")
    return connection.vendor
