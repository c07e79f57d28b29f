"""Queued submissions are decided in chunks, each marked with its registration, once."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from partnerflow.models import PendingSubmission
from partnerflow.registration.batch import queue_submissions, take_in_chunk
from tests.factories import NOW, POLICY, RENDERER, submission


def queue(engine: Engine, rows: list[dict[str, object]]) -> None:
    with Session(engine) as session:
        queue_submissions(session, rows, now=NOW)
        session.commit()


def chunk(engine: Engine, limit: int = 10) -> tuple[int, dict[str, int], list[int]]:
    with Session(engine) as session:
        report = take_in_chunk(session, limit=limit, policy=POLICY, renderer=RENDERER, now=NOW)
        session.commit()
    return report.taken, report.outcomes, report.escalated


def test_a_chunk_decides_queued_submissions_and_lists_escalations(
    engine: Engine, network: dict[str, int]
) -> None:
    queue(
        engine,
        [
            submission(network["first"]),
            submission(network["newcomer"], customer_email="a@b2.fr"),
            submission(network["second"], amount="oops"),
        ],
    )
    taken, outcomes, escalated = chunk(engine)
    assert taken == 3 and outcomes == {"approve": 1, "review": 1, "refused": 1} and len(escalated) == 1


def test_decided_submissions_are_not_taken_again(engine: Engine, network: dict[str, int]) -> None:
    queue(engine, [submission(network["first"])])
    chunk(engine)
    assert chunk(engine) == (0, {}, [])
    with Session(engine) as session:
        assert (
            session.exec(
                select(PendingSubmission).where(col(PendingSubmission.registration_id).is_(None))
            ).all()
            == []
        )


def test_chunks_respect_their_limit_oldest_first(engine: Engine, network: dict[str, int]) -> None:
    queue(engine, [submission(network["first"], customer_email=f"x@c{n}.fr") for n in range(5)])
    assert chunk(engine, limit=2)[0] == 2
    assert chunk(engine, limit=10)[0] == 3
