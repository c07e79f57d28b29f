"""Three daily sweeps qualifying the same referrals at once, each in its own process (SQLite and
PostgreSQL): every referral qualified once, with exactly its two rewards and one audit event."""

from __future__ import annotations

import multiprocessing
from datetime import date
from typing import Any

from sqlalchemy import Engine, func
from sqlmodel import Session, select

from partnerflow.db import make_engine
from partnerflow.models import AuditEvent, Referral, ReferralReward
from partnerflow.referrals.qualification import qualify_referrals
from tests.referrals.test_customers_and_sponsors import policy
from tests.referrals.test_qualification import NOW, referral, sponsor, won

RACERS = 3
REFERRALS = 60


def _qualify_in_own_process(url: str, start: Any, results: Any) -> None:
    engine = make_engine(url)
    start.wait()
    with Session(engine) as session:
        report = qualify_referrals(session, policy(), now=NOW)
        session.commit()
    results.put(report.qualified + report.flagged)


def test_sweeps_at_the_same_moment_qualify_each_referral_once(engine: Engine) -> None:
    with Session(engine) as session:
        invitation = sponsor(session)
        for n in range(REFERRALS):
            referral(session, invitation, key=f"domain:filleul{n}.example")
            won(session, f"domain:filleul{n}.example", date(2026, 10, 1), "20000")
        session.commit()
    context = multiprocessing.get_context("fork")
    start, results = context.Barrier(RACERS), context.Queue()
    url = engine.url.render_as_string(hide_password=False)
    processes = [
        context.Process(target=_qualify_in_own_process, args=(url, start, results)) for _ in range(RACERS)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)

    assert [process.exitcode for process in processes] == [0] * RACERS
    assert sum(results.get(timeout=5) for _ in range(RACERS)) == REFERRALS, "each counted by one sweep"
    with Session(engine) as session:
        per_referral = session.exec(
            select(ReferralReward.referral_id, func.count()).group_by(ReferralReward.referral_id)
        ).all()
        events = session.exec(
            select(func.count()).where(AuditEvent.action.in_(["referral.qualified", "referral.flagged"]))
        ).one()  # type: ignore[attr-defined]
        pending = session.exec(select(func.count()).where(Referral.status == "pending")).one()
    assert len(per_referral) == REFERRALS and {count for _, count in per_referral} == {2}
    assert (events, pending) == (REFERRALS, 0)
