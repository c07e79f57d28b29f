"""A flagged referral waits for a channel manager: one run asks with personal links and codes, a
typed address decides nothing, the manager's code clears the flags (rewards held) or rejects the
referral (rewards cancelled)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date, timedelta
from uuid import UUID

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from flows.referral_qualification import qualify_referrals as qualify_flow
from flows.referral_review import review_referral
from partnerflow.approvals import Reply, Subject, answer_by_code, open_requests
from partnerflow.context import context
from partnerflow.markdown import summary_html
from partnerflow.models import AuditEvent, Referral, ReferralReward, Role
from partnerflow.orchestration.prefect_api import start_run
from partnerflow.orchestration.resuming import resume_with_input
from partnerflow.orchestration.serving import served_in_thread
from partnerflow.referrals.review import (
    apply_review,
    claim_review,
    referrals_to_review,
    request_review,
)
from tests.factories import add_person, applying, mailed_invitation
from tests.flows.test_deal_registration_flow import saved_form_input, wait_for
from tests.referrals.test_qualification import NOW, qualify, referral, sponsor, won

MANAGER = "manager@vendor.example"
LATER = NOW + timedelta(days=14)


@pytest.fixture
def flagged(engine: Engine) -> int:
    """A self-referral (the referred company has the sponsor's domain) that won its first deal."""
    with Session(engine) as session:
        add_person(session, MANAGER, Role.CHANNEL_MANAGER)
        referral_id = referral(session, sponsor(session), key="domain:parrain.example")
        won(session, "domain:parrain.example", date(2026, 10, 15), "40000")
        session.commit()
    assert qualify(engine).flagged == 1
    return referral_id


def statuses(engine: Engine) -> tuple[str, list[str]]:
    with Session(engine) as session:
        stored = session.exec(select(Referral)).one()
        rewards = session.exec(select(ReferralReward).order_by(ReferralReward.side)).all()
        return stored.status.value, [reward.status.value for reward in rewards]


def test_one_run_claims_a_flagged_referral_a_second_finds_it_taken(engine: Engine, flagged: int) -> None:
    with Session(engine) as session:
        assert referrals_to_review(session) == [flagged]
        assert claim_review(session, flagged, "run-a") is True
        assert claim_review(session, flagged, "run-b") is False
        session.commit()
        assert referrals_to_review(session) == []


def test_a_rejection_by_code_cancels_both_rewards_and_is_audited(engine: Engine, flagged: int) -> None:
    keys = context().links.keys
    with Session(engine) as session:
        claim_review(session, flagged, "run-a")
        ctx = context()
        request_review(
            session, flagged, ctx.renderer, links=ctx.links, run_id="run-a", expires_at=LATER, now=NOW
        )
        session.commit()
    _link, code = mailed_invitation(engine, MANAGER, "referral_flagged")
    with Session(engine) as session:
        answer_by_code(
            session, keys, Subject("referral", flagged), code, Reply("reject", "même société"), now=NOW
        )
        outcome = apply_review(applying(session, now=NOW), flagged)
        again = apply_review(applying(session, now=NOW), flagged)
        session.commit()
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "referral.rejected")).one()

    assert (outcome.done, outcome.status, again.status) == (True, "rejected", "rejected")
    with Session(engine) as session:
        assert open_requests(session, Subject("referral", flagged)) == [], "off every inbox once decided"
    assert statuses(engine) == ("rejected", ["cancelled", "cancelled"])
    assert (event.actor, event.details["comment"]) == (MANAGER, "même société")


@pytest.fixture(scope="module")
def served_review(prefect_server: None) -> Iterator[None]:
    with served_in_thread(review_referral, name="partnerflow-referral-review-tests"):
        yield


@pytest.mark.prefect
def test_the_daily_sweep_starts_a_review_that_a_managers_code_clears(
    served_review: None, engine: Engine, flagged: int
) -> None:
    report = qualify_flow()  # nothing new to qualify; starts the review of the flagged referral
    assert report.reviews_started == 1
    deadline, run_id = time.monotonic() + 60, None
    while run_id is None and time.monotonic() < deadline:
        time.sleep(0.5)
        with Session(engine) as session:
            run_id = session.get_one(Referral, flagged).review_run_id
    assert run_id is not None, "the review run claimed the referral within 60 s"
    wait_for(run_id, pause_key="review-1")
    _link, code = mailed_invitation(engine, MANAGER, "referral_flagged")
    resume_with_input(run_id, {"decision": "approve", "approval_code": MANAGER})
    wait_for(run_id, pause_key="review-2")  # a typed address decides nothing, and says why
    told = saved_form_input(UUID(run_id), "review-2", "description")
    assert told.startswith(f"**Your previous answer: this code is not valid for referral {flagged}**")
    resume_with_input(run_id, {"decision": "approve", "approval_code": code})
    final = wait_for(run_id, final=True)

    assert final.state is not None and final.state.is_completed()
    assert statuses(engine) == ("qualified", ["held", "held"])
    with Session(engine) as session:
        assert session.get_one(Referral, flagged).decided_by == MANAGER
    second = start_run("review-referral/review-referral", {"referral_id": flagged})
    assert wait_for(second, final=True).state.is_completed()  # type: ignore[union-attr]


def test_a_company_name_typed_on_the_public_page_is_inert_on_the_decision_page(
    engine: Engine, flagged: int
) -> None:
    with Session(engine) as session:
        referral = session.get_one(Referral, flagged)
        referral.company = "[Verify the IBAN change here](http://evil.example)\n# Approved"
        session.add(referral)
        ctx = context()
        request_review(
            session, flagged, ctx.renderer, links=ctx.links, run_id="run-a", expires_at=LATER, now=NOW
        )
        [request] = open_requests(session, Subject("referral", flagged))
        page = summary_html(request.summary)
    assert "<a " not in page and "evil.example" in page and page.count("<h1>") == 0
