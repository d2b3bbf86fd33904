"""Fixtures shared by every test module."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mesodesk.core.testing import Personas, build_personas


@pytest.fixture
def personas(db: None) -> Personas:
    return build_personas()


@pytest.fixture(autouse=True)
def _files_outside_the_database(settings: Any, tmp_path: Path) -> None:
    """Audit checkpoints, backups and heartbeats live outside the database; the test database
    is rolled back after each test, so these files must not outlive it either."""
    settings.AUDIT_CHECKPOINT_PATH = tmp_path / "audit" / "checkpoints.jsonl"
    settings.BACKUP_DIR = tmp_path / "backups"
