"""Planner statistics are refreshed on demand and by the daily job."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import connection

from mesodesk.core.testing import Personas, adult_patient_data
from mesodesk.patients.services import patient_create

pytestmark = pytest.mark.django_db


def test_db_optimize_gathers_statistics_for_the_patient_indexes(personas: Personas) -> None:
    for i in range(3):
        patient_create(actor=personas.practitioner, data=adult_patient_data(family_name=f"F{i}"))
    out = io.StringIO()
    call_command("db_optimize", stdout=out)
    assert "Statistics refreshed" in out.getvalue()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT idx FROM sqlite_stat1 WHERE tbl = 'patients_patient'")
        else:
            cursor.execute("SELECT attname FROM pg_stats WHERE tablename = 'patients_patient'")
        assert cursor.fetchall()
