"""The audit trail is a sealed hash chain: whoever writes the database cannot change it unseen.

Measured before: nothing signed answers or chained the audit, and the audit lives in the same
writable database. Here an insider changes, deletes and inserts events with plain SQL, and
rewrites the chain to match: ``partnerflow audit verify`` names the row each time.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session
from typer.testing import CliRunner

from partnerflow.audit import record_event
from partnerflow.audit_chain import seal, verify
from partnerflow.cli import app
from tests.factories import LINKS, NOW

KEYS = LINKS.keys
LATER = datetime(2100, 1, 1, tzinfo=UTC)  # every event written by the test is settled by then


@pytest.fixture
def sealed(engine: Engine) -> list[int]:
    """Five events, sealed."""
    with Session(engine) as session:
        events = [
            record_event(
                session,
                now=NOW,
                actor="director1@vendor.example",
                action="review.approve",
                subject_type="registration",
                subject_id=number,
                details={"round": 1},
            )
            for number in range(1, 6)
        ]
        ids = [event.id or 0 for event in events]
        session.commit()
        assert seal(session, KEYS, now=LATER).sealed == 5
        session.commit()
    return ids


def problems(engine: Engine) -> list[str]:
    with Session(engine) as session:
        return verify(session, KEYS)


def sql(engine: Engine, statement: str, **values: object) -> None:
    with engine.begin() as connection:
        connection.execute(text(statement), values)


def test_an_untouched_trail_verifies_and_the_command_says_so(engine: Engine, sealed: list[int]) -> None:
    assert problems(engine) == []
    result = CliRunner().invoke(app, ["audit", "verify"])
    assert result.exit_code == 0 and "intact" in result.output


def test_a_changed_event_is_named(engine: Engine, sealed: list[int]) -> None:
    sql(engine, "UPDATE auditevent SET action = 'review.reject' WHERE id = :id", id=sealed[2])
    assert problems(engine) == [f"audit event {sealed[2]}: changed after it was sealed"]
    result = CliRunner().invoke(app, ["audit", "verify"])
    assert result.exit_code == 1 and f"audit event {sealed[2]}" in result.output


def test_a_deleted_event_is_named(engine: Engine, sealed: list[int]) -> None:
    sql(engine, "DELETE FROM auditevent WHERE id = :id", id=sealed[4])
    assert problems(engine) == [f"audit event {sealed[4]}: deleted after it was sealed"]


def test_an_event_inserted_among_sealed_ones_is_named(engine: Engine, sealed: list[int]) -> None:
    sql(engine, "DELETE FROM auditevent WHERE id = :id", id=sealed[1])
    sql(engine, "DELETE FROM audit_link WHERE event_id = :id", id=sealed[1])
    assert problems(engine)[-1] == f"audit event {sealed[2]}: changed after it was sealed", "the chain broke"
    sql(
        engine,
        "INSERT INTO auditevent (id, occurred_at, actor, action, subject_type, subject_id, details) "
        "VALUES (:id, '2026-11-23 09:00:00.000000', 'director2@vendor.example', 'review.approve', "
        "'registration', '2', '{}')",
        id=sealed[1],
    )
    assert problems(engine) == [f"audit event {sealed[1]}: inserted among sealed events"]


def test_a_chain_rewritten_to_match_without_the_key_fails_its_seal(engine: Engine, sealed: list[int]) -> None:
    from partnerflow.approvals.keys import Keys

    sql(engine, "UPDATE auditevent SET actor = 'someone.else@vendor.example' WHERE id = :id", id=sealed[0])
    sql(engine, "DELETE FROM audit_link")
    sql(engine, "DELETE FROM audit_seal")
    with Session(engine) as session:  # the insider reseals with a key of their own
        seal(session, Keys("the insider's own key, long enough"), now=LATER)
        session.commit()
    [problem] = problems(engine)
    assert "its MAC does not verify" in problem


def test_only_settled_events_are_sealed_and_later_ones_follow(engine: Engine, sealed: list[int]) -> None:
    with Session(engine) as session:
        record_event(session, now=NOW, actor="system:test", action="x", subject_type="t", subject_id=9)
        session.commit()
        assert seal(session, KEYS, now=NOW).sealed == 0, "not settled yet"
        assert seal(session, KEYS, now=LATER).sealed == 1
        session.commit()
    assert problems(engine) == []
