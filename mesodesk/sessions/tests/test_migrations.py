"""Moving the session models out of `treatments` loses nothing: a database taken back to the
schema before the move, with a signed session (points, totals, consent, screening), an
addendum and an aftercare sheet in it, plus an addendum written by the old models, migrates
forward with every row and every column of the signed session unchanged."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from mesodesk.consent.models import Consent
from mesodesk.consent.tests.helpers import consented_plan
from mesodesk.core.testing import PASSWORD, Personas
from mesodesk.screening.models import Screening
from mesodesk.sessions import services
from mesodesk.sessions.models import SessionAddendum, TreatmentSession
from mesodesk.sessions.tests.helpers import chart, started

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE_THE_MOVE: list[tuple[str, str | None]] = [
    ("treatments", "0003_drop_unused_scheduled_for"),
    ("treatment_sessions", None),
]
OLD_TREATMENTS = ("treatments", "0003_drop_unused_scheduled_for")
TABLES = (
    "treatments_treatmentsession",
    "treatments_injectionpoint",
    "treatments_sessionaddendum",
    "treatments_aftercaresheet",
)


def _counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        counts = {}
        for table in TABLES:
            cursor.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608 - fixed table names
            counts[table] = cursor.fetchone()[0]
    return counts


def _key(pk: object) -> Any:
    """The primary key as this database stores it (hex text on SQLite, uuid on PostgreSQL)."""
    field = TreatmentSession._meta.pk
    assert field is not None
    return field.get_db_prep_value(pk, connection)


def _row(table: str, pk: object) -> dict[str, Any]:
    """One row as the database holds it, column by column (no model in between)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table} WHERE id = %s", [_key(pk)])  # noqa: S608
        names = [column[0] for column in cursor.description]
        rows = cursor.fetchall()
    assert len(rows) == 1
    return dict(zip(names, rows[0], strict=True))


def _points(session_pk: object) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, region, lot_id, volume_ml FROM treatments_injectionpoint "
            "WHERE session_id = %s ORDER BY id",
            [_key(session_pk)],
        )
        return list(cursor.fetchall())


def _migrate(targets: list[tuple[str, str | None]] | list[tuple[str, str]]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return MigrationExecutor(connection)  # a fresh loader sees what is applied now


def test_moving_the_sessions_app_keeps_every_row_and_the_signed_content(
    personas: Personas,
) -> None:
    session = started(personas, consented_plan(personas))
    chart(personas, session, "HA-1", 12)
    chart(personas, session, "LI-1", 3, volume="0.1", region="forehead", side="")
    services.session_complete(actor=personas.practitioner, session_id=session.pk)
    services.session_sign(actor=personas.practitioner, session_id=session.pk, secret=PASSWORD)
    services.session_addendum_add(
        actor=personas.practitioner,
        session_id=session.pk,
        text="Bruise noted on the left.",
        secret=PASSWORD,
    )
    today = _row("treatments_treatmentsession", session.pk)
    points = _points(session.pk)

    old = _migrate(BEFORE_THE_MOVE).loader.project_state(OLD_TREATMENTS).apps
    signed = _row("treatments_treatmentsession", session.pk)  # the columns before the move
    assert signed == {column: today[column] for column in signed}
    assert signed["status"] == "signed"
    assert signed["consent_id"] is not None
    assert signed["screening_id"] is not None
    # Rows written by the old models, before the move, are part of what must survive.
    old_addendum = old.get_model("treatments", "SessionAddendum").objects.create(
        clinic_id=session.clinic_id,
        session_id=session.pk,
        text="Written before the move.",
        signed_by_id=personas.practitioner.user.pk,  # type: ignore[union-attr]
    )
    counts = _counts()
    assert counts == {
        "treatments_treatmentsession": 1,
        "treatments_injectionpoint": 15,
        "treatments_sessionaddendum": 2,
        "treatments_aftercaresheet": 1,
    }

    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    assert _counts() == counts
    after = _row("treatments_treatmentsession", session.pk)
    assert {column: after[column] for column in signed} == signed  # later columns may follow
    assert _points(session.pk) == points
    moved = TreatmentSession.objects.get(pk=session.pk)
    assert moved.status == "signed"
    assert isinstance(moved.consent, Consent)
    assert isinstance(moved.screening, Screening)
    assert moved.points.count() == 15
    assert moved.aftercare.session_id == session.pk
    assert set(moved.addenda.values_list("text", flat=True)) == {
        "Bruise noted on the left.",
        "Written before the move.",
    }
    assert SessionAddendum.objects.get(pk=old_addendum.pk).session_id == session.pk
