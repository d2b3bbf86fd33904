"""Fixtures shared by every test module."""

from __future__ import annotations

import pytest

from mesodesk.core.testing import Personas, build_personas


@pytest.fixture
def personas(db: None) -> Personas:
    return build_personas()
