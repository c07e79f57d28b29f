"""Under concurrent submissions for one customer, at most one registration is ever protected."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import Engine, event, func
from sqlmodel import Session, select

from partnerflow.models import ProtectionClaim, Registration, RegistrationStatus
from partnerflow.registration.intake import IntakeResult, take_in
from tests.factories import NOW, POLICY, RENDERER, gold_partner, submission

CONCURRENT = 50


@pytest.mark.postgres
def test_fifty_concurrent_submissions_protect_exactly_one(postgres_engine: Engine) -> None:
    with Session(postgres_engine) as session:
        partner_ids = [
            gold_partner(session, f"Partner {n} SAS", f"p{n}@example.com").id or 0 for n in range(CONCURRENT)
        ]
        session.commit()
    start = threading.Barrier(CONCURRENT)
    lost_races: list[str] = []
    event.listen(
        postgres_engine, "handle_error", lambda context: lost_races.append(str(context.original_exception))
    )

    def submit(partner_id: int) -> IntakeResult:
        with Session(postgres_engine) as session:
            start.wait()
            result = take_in(session, submission(partner_id), policy=POLICY, renderer=RENDERER, now=NOW)
            session.commit()
            return result

    with ThreadPoolExecutor(max_workers=CONCURRENT) as pool:
        results = list(pool.map(submit, partner_ids))

    outcomes = sorted(result.outcome for result in results)
    assert outcomes.count("approve") == 1 and outcomes.count("reject") == CONCURRENT - 1
    with Session(postgres_engine) as session:
        claims = session.exec(select(func.count()).select_from(ProtectionClaim)).one()
        approved = session.exec(
            select(func.count())
            .select_from(Registration)
            .where(Registration.status == RegistrationStatus.APPROVED)
        ).one()
    assert (claims, approved) == (1, 1)
    assert lost_races and all("protectionclaim_pkey" in error for error in lost_races), (
        "the database, not only the policy, must have refused the concurrent claims"
    )
