"""Fault tests run on both databases partnerflow supports: each test once on SQLite, once on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text

from partnerflow.db import get_engine, make_engine, migrate
from partnerflow.settings import Settings
from tests.commissions.conftest import payees

__all__ = ["payees"]


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, settings: Settings) -> Iterator[Engine]:
    """The application database, migrated: a SQLite file, or the test PostgreSQL emptied first."""
    if request.param == "sqlite":
        migrate(settings.database_url)
        yield get_engine(settings.database_url)
        return
    url: str = request.getfixturevalue("postgres_url")
    postgres = make_engine(url)
    with postgres.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    migrate(url)
    yield postgres
    postgres.dispose()
