"""Shared fixtures: real SQLite files, a real SMTP server, real PostgreSQL, a real Prefect server."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from partnerflow.db import get_engine, make_engine, migrate
from partnerflow.notify import MailSink, free_port
from partnerflow.policy import forget_loaded_policies
from partnerflow.settings import PROJECT_ROOT, Settings, get_settings

POSTGRES_URL_VARIABLE = "PARTNERFLOW_TEST_DATABASE_URL"


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """Settings for one test: its own SQLite file and mail folder, the repository's policies."""
    values = {
        "PARTNERFLOW_DATABASE_URL": f"sqlite:///{tmp_path / 'partnerflow.db'}",
        "PARTNERFLOW_MAIL_DIR": str(tmp_path / "mail"),
        "PARTNERFLOW_POLICIES_DIR": str(PROJECT_ROOT / "policies"),
        "PARTNERFLOW_TEMPLATES_DIR": str(PROJECT_ROOT / "email_templates"),
        "PARTNERFLOW_SMTP_PORT": str(free_port()),
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    get_engine.cache_clear()
    yield get_settings()
    get_settings.cache_clear()
    get_engine.cache_clear()
    forget_loaded_policies()


@pytest.fixture
def engine(settings: Settings) -> Engine:
    """A migrated SQLite database file."""
    migrate(settings.database_url)
    return get_engine(settings.database_url)


@pytest.fixture
def smtp_server(settings: Settings) -> Iterator[MailSink]:
    """A real aiosmtpd server on 127.0.0.1 at the settings' SMTP port, storing .eml files."""
    with MailSink(settings.mail_dir, port=settings.smtp_port) as sink:
        yield sink


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """The URL of a throwaway PostgreSQL database, or a skip saying how to provide one."""
    url = os.environ.get(POSTGRES_URL_VARIABLE)
    if not url:
        pytest.skip(f"PostgreSQL tests need {POSTGRES_URL_VARIABLE} (see .ci/run)")
    return url


@pytest.fixture
def postgres_engine(postgres_url: str) -> Iterator[Engine]:
    """The PostgreSQL database, emptied and migrated to head for this test."""
    engine = make_engine(postgres_url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    migrate(postgres_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def prefect_server() -> Iterator[None]:
    """One real Prefect server (the test harness) for every flow test of the session."""
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
    from prefect.testing.utilities import prefect_test_harness

    with (
        prefect_test_harness(server_startup_timeout=90),
        temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}),
    ):
        yield
