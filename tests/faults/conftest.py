"""Fault tests run on both databases partnerflow supports: each test once on SQLite, once on PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from partnerflow.db import get_engine, migrate
from partnerflow.settings import Settings


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, settings: Settings) -> Engine:
    """The application database, migrated: a SQLite file, or the test PostgreSQL emptied first."""
    if request.param == "sqlite":
        migrate(settings.database_url)
        return get_engine(settings.database_url)
    postgres: Engine = request.getfixturevalue("postgres_engine")
    return postgres
