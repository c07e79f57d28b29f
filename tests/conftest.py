"""Shared fixtures: real SQLite files, a real SMTP server, real PostgreSQL, a real Prefect server."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, make_url, text
from sqlmodel import Session

from partnerflow.clock import FixedClock
from partnerflow.context import build_context, forget_context
from partnerflow.db import get_engine, make_engine, migrate
from partnerflow.models import PartnerTier, Role
from partnerflow.notify import MailSink, free_port
from partnerflow.policy import forget_loaded_policies
from partnerflow.processes import load_processes
from partnerflow.registration.intake import IntakeResult, take_in
from partnerflow.settings import PROJECT_ROOT, Settings, get_settings
from partnerflow.web import create_app
from partnerflow.web.server import web_in_thread
from tests.factories import NOW, POLICY, RENDERER, SECRET_KEY, add_partner, add_person, gold_partner

POSTGRES_URL_VARIABLE = "PARTNERFLOW_TEST_DATABASE_URL"
load_processes()  # every decision kind declared, as the Context does in the product


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """``make test``'s ``--dist loadfile`` with the system tests on one worker, first (see there)."""
    if config.getvalue("dist") != "loadfile":
        return None
    from tests.scheduling import SystemTestsTogetherFirst

    return SystemTestsTogetherFirst(config, log)


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """Settings for one test: its own SQLite file and mail folder, the repository's policies, and
    the programme's clock stopped at ``NOW`` for whatever reads the process context (commands,
    tasks run in this process): no test depends on the day it runs."""
    values = {
        "PARTNERFLOW_DATABASE_URL": f"sqlite:///{tmp_path / 'partnerflow.db'}",
        "PARTNERFLOW_MAIL_DIR": str(tmp_path / "mail"),
        "PARTNERFLOW_PAYMENTS_DIR": str(tmp_path / "payments"),
        "PARTNERFLOW_REPORTS_DIR": str(tmp_path / "reports"),
        "PARTNERFLOW_PREFECT_HOME": str(tmp_path / "prefect"),
        "PARTNERFLOW_POLICIES_DIR": str(PROJECT_ROOT / "policies"),
        "PARTNERFLOW_TEMPLATES_DIR": str(PROJECT_ROOT / "email_templates"),
        "PARTNERFLOW_SMTP_PORT": str(free_port()),
        "PARTNERFLOW_SECRET_KEY": SECRET_KEY,
        # the hostile corpus posts hundreds of forms from 127.0.0.1 (the limit has its own test)
        "PARTNERFLOW_WEB_POSTS_PER_MINUTE": "100000",
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    get_engine.cache_clear()
    forget_context(FixedClock(NOW))
    yield get_settings()
    get_settings.cache_clear()
    get_engine.cache_clear()
    forget_context()
    forget_loaded_policies()


@pytest.fixture
def programme_clock(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Callable[[datetime], None]:
    """Stop the programme's clock at another instant than ``NOW``, in this process and in the flow
    runs it starts in other processes (``PARTNERFLOW_CLOCK_AT``): a settlement of March 2027 is
    run on a day after March 2027."""

    def stop_at(instant: datetime) -> None:
        monkeypatch.setenv("PARTNERFLOW_CLOCK_AT", instant.isoformat())
        get_settings.cache_clear()
        forget_context(FixedClock(instant))

    return stop_at


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


@pytest.fixture
def started() -> list[int]:
    """The registrations whose review run the web app started (recorded, not started)."""
    return []


@pytest.fixture
def portal(settings: Settings, engine: Engine, started: list[int]) -> Iterator[httpx.Client]:
    """The web app on the tests' clock (``NOW``), served on 127.0.0.1, for the partner portal."""
    app = create_app(
        build_context(settings, FixedClock(NOW)), wake=lambda *_: True, start_review=started.append
    )
    with web_in_thread(app, "127.0.0.1", free_port()) as url, httpx.Client(base_url=url) as client:
        yield client


@pytest.fixture(scope="session")
def postgres_url(worker_id: str) -> Iterator[str]:
    """The URL of a throwaway PostgreSQL database, or a skip saying how to provide one. Under
    pytest-xdist each worker gets its own database beside the given one (tests empty it)."""
    url = os.environ.get(POSTGRES_URL_VARIABLE)
    if not url:
        pytest.skip(f"PostgreSQL tests need {POSTGRES_URL_VARIABLE} (see .ci/run)")
    if worker_id == "master":
        yield url
        return
    given = make_url(url)
    name = f"{given.database}_{worker_id}"
    server = make_engine(url).execution_options(isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield given.set(database=name).render_as_string(hide_password=False)
    with server.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    server.dispose()


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


@pytest.fixture
def network(engine: Engine) -> dict[str, int]:
    """Two certified gold partners in the Rhône, a registered newcomer, and reviewers."""
    with Session(engine) as session:
        first = gold_partner(session, "Azur Réseaux SAS", "contact@azur.example")
        second = gold_partner(session, "Boréal Systèmes SARL", "contact@boreal.example")
        newcomer = add_partner(session, name="Cap Data EURL", territory="69", email="hello@capdata.example")
        add_person(session, "manager@vendor.example", Role.CHANNEL_MANAGER)
        add_person(session, "director1@vendor.example", Role.CHANNEL_DIRECTOR)
        add_person(session, "director2@vendor.example", Role.CHANNEL_DIRECTOR)
        session.commit()
        return {"first": first.id or 0, "second": second.id or 0, "newcomer": newcomer.id or 0}


@pytest.fixture
def submit(engine: Engine) -> Callable[..., IntakeResult]:
    """Take in one raw submission with the shipped policy, committed."""

    def _submit(raw: dict[str, Any], now: datetime = NOW) -> IntakeResult:
        with Session(engine) as session:
            result = take_in(session, raw, policy=POLICY, renderer=RENDERER, now=now)
            session.commit()
            return result

    return _submit


@pytest.fixture
def signers(engine: Engine) -> dict[str, str]:
    """Partners in three tiers (gold in 75, silver and registered in 69) and one signer per role."""
    with Session(engine) as session:
        for number, (tier, locale) in enumerate(
            [(PartnerTier.GOLD, "fr"), (PartnerTier.SILVER, "en"), (PartnerTier.REGISTERED, "fr")]
        ):
            partner = add_partner(
                session,
                name=f"Partner {number} SAS",
                territory="69" if number else "75",
                locale=locale,
                email=f"p{number}@partners.example",
            )
            partner.tier = tier
            session.add(partner)
        emails = {
            role.value: f"{role.value}@vendor.example"
            for role in (Role.CHANNEL_SALES, Role.CHANNEL_OPS, Role.SUPPLY_CHAIN, Role.FINANCE)
        }
        for role, email in emails.items():
            add_person(session, email, Role(role))
        add_person(session, "marketing@vendor.example")  # who requests campaigns: no approval role
        session.commit()
    return emails


@pytest.fixture
def woken() -> list[tuple[str, dict[str, str]]]:
    return []


@pytest.fixture
def client(
    settings: Settings, engine: Engine, woken: list[tuple[str, dict[str, str]]]
) -> Iterator[httpx.Client]:
    """The app served by uvicorn on 127.0.0.1; waking runs is recorded (the flow tests and the
    browser test wake real Prefect runs)."""

    def wake(run_id: str, values: dict[str, str]) -> bool:
        woken.append((run_id, values))
        return True

    with (
        web_in_thread(create_app(build_context(settings), wake=wake), "127.0.0.1", free_port()) as url,
        httpx.Client(base_url=url) as client,
    ):
        yield client
