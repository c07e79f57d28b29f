"""Storing the year's proposals, the channel manager's answer, and applying it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from partnerflow.approvals import Refused
from partnerflow.models import (
    AuditEvent,
    ExitKind,
    ExitSource,
    Notification,
    Partner,
    PartnerExit,
    PartnerStatus,
    Proposal,
    RebalancingStatus,
)
from partnerflow.rebalancing.decisions import (
    THINNED_OUT,
    apply_answers,
    apply_rebalancing,
    exclusions_reader,
    proposals_of,
    rebalancing_for,
    rebalancing_subject,
    store_plan,
    thin_out_candidates,
)
from partnerflow.rebalancing.notices import queue_year_scorecards
from partnerflow.rebalancing.proposals import plan_rebalancing
from tests.factories import RENDERER, answer_as, applying, ask
from tests.rebalancing.leadbook import POLICY_2026, add_manager, add_reseller, give_leads

NOW = datetime(2027, 1, 8, 7, tzinfo=UTC)


@pytest.fixture
def year_2026(engine: Engine) -> dict[str, int]:
    """A good reseller, two weak ones (proposed pauses) and a channel manager; proposals stored."""
    good, weak, silent = add_reseller(engine), add_reseller(engine), add_reseller(engine)
    give_leads(engine, good, leads=10, opened=10, processed=9, closed=5, sold=2)
    give_leads(engine, weak, leads=20, opened=17, processed=15, closed=10)
    give_leads(engine, silent, leads=12, opened=4)  # barely opens what it gets
    add_manager(engine)
    with Session(engine) as session:
        store_plan(session, plan_rebalancing(session, 2026, POLICY_2026), POLICY_2026, now=NOW)
        session.commit()
    return {"good": good, "weak": weak, "silent": silent}


@pytest.fixture
def crowded_2026(engine: Engine) -> dict[str, list[int]]:
    """Six resellers working their leads well in Bouches-du-Rhône, above the band of 4 to 5,
    one alone in Rhône, and a channel manager; proposals stored (every reseller kept)."""
    crowded, alone = [add_reseller(engine, "13") for _ in range(6)], [add_reseller(engine, "69")]
    for reseller in crowded + alone:
        give_leads(engine, reseller, leads=12, opened=12, processed=11, closed=6, sold=3)
    add_manager(engine)
    with Session(engine) as session:
        store_plan(session, plan_rebalancing(session, 2026, POLICY_2026), POLICY_2026, now=NOW)
        session.commit()
    return {"crowded": crowded, "alone": alone}


def answer(
    engine: Engine,
    email: str = "manager@vendor.example",
    decision: str = "approve",
    comment: str = "",
    exclude_from_pause: tuple[int, ...] = (),
    thin_out: tuple[int, ...] = (),
) -> tuple[bool, str]:
    """Channel managers asked (once); ``email`` answers with their link; the year applies it."""
    subject = rebalancing_subject(2026)
    with Session(engine) as session:
        ask(session, subject, "channel-manager", now=NOW)
        try:
            read = exclusions_reader(session, 2026)
            details = read({"exclude_from_pause": list(exclude_from_pause), "thin_out": list(thin_out)})
        except ValueError as refused:
            return False, str(refused)
        recorded = answer_as(session, subject, email, decision, comment, details=details, now=NOW)
        outcome = apply_answers(applying(session, now=NOW), 2026)
        session.commit()
    if isinstance(recorded, Refused):
        return False, recorded.reason
    return outcome.done, outcome.message


def apply(engine: Engine) -> dict[str, int]:
    with Session(engine) as session:
        applied = apply_rebalancing(session, 2026, now=NOW)
        session.commit()
    return applied


def status_of(engine: Engine, partner_id: int) -> PartnerStatus:
    with Session(engine) as session:
        partner = session.get(Partner, partner_id)
        assert partner is not None
        return partner.status


def test_storing_the_same_year_twice_keeps_the_first_proposals(
    engine: Engine, year_2026: dict[str, int]
) -> None:
    with Session(engine) as session:
        again = store_plan(session, plan_rebalancing(session, 2026, POLICY_2026), POLICY_2026, now=NOW)
        session.commit()
        assert again.status == RebalancingStatus.AWAITING_APPROVAL
        assert len(session.exec(select(Proposal)).all()) == 3


def test_approval_pauses_the_proposed_resellers_except_the_excluded(
    engine: Engine, year_2026: dict[str, int]
) -> None:
    assert answer(engine, exclude_from_pause=(year_2026["silent"],), comment="new sales rep")[0]
    assert apply(engine) == {"keep": 2, "pause": 1}
    assert status_of(engine, year_2026["weak"]) == PartnerStatus.PAUSED
    assert status_of(engine, year_2026["silent"]) == PartnerStatus.ACTIVE
    with Session(engine) as session:
        [paused] = session.exec(select(AuditEvent).where(AuditEvent.action == "partner.paused")).all()
    assert (paused.subject_id, paused.rule_id) == (str(year_2026["weak"]), "misses-two-or-more")


def test_a_pause_is_recorded_as_the_partner_leaving_with_the_rule_and_reason(
    engine: Engine, year_2026: dict[str, int]
) -> None:
    """What attrition is measured from: the rebalancing's pause, on the day it is applied."""
    answer(engine, exclude_from_pause=(year_2026["silent"],))
    apply(engine)
    apply(engine)
    with Session(engine) as session:
        [left] = session.exec(select(PartnerExit)).all()
    assert (left.partner_id, left.kind, left.source, left.rule_id) == (
        year_2026["weak"],
        ExitKind.PAUSED,
        ExitSource.REBALANCING,
        "misses-two-or-more",
    )
    assert left.left_on == NOW.date() and left.reason.startswith("Missed 2 of the three lead criteria")


def test_only_a_channel_manager_may_answer(engine: Engine, year_2026: dict[str, int]) -> None:
    accepted, message = answer(engine, "someone@vendor.example")
    assert (accepted, message) == (False, "this code is not valid for rebalancing 2026")
    assert apply(engine) == {}
    assert status_of(engine, year_2026["weak"]) == PartnerStatus.ACTIVE


def test_only_resellers_proposed_for_a_pause_can_be_excluded(
    engine: Engine, year_2026: dict[str, int]
) -> None:
    accepted, message = answer(engine, exclude_from_pause=(year_2026["good"],))
    assert not accepted and str(year_2026["good"]) in message


def test_a_rejection_changes_no_status(engine: Engine, year_2026: dict[str, int]) -> None:
    assert answer(engine, decision="reject")[0]
    assert apply(engine) == {}
    assert status_of(engine, year_2026["weak"]) == PartnerStatus.ACTIVE


def test_applying_twice_changes_nothing_more(engine: Engine, year_2026: dict[str, int]) -> None:
    answer(engine)
    apply(engine)
    assert apply(engine) == {}


def test_every_judged_reseller_gets_one_scorecard_with_its_final_outcome(
    engine: Engine, year_2026: dict[str, int]
) -> None:
    answer(engine, exclude_from_pause=(year_2026["silent"],))
    apply(engine)
    with Session(engine) as session:
        stored = rebalancing_for(session, 2026)
        assert stored is not None
        first = queue_year_scorecards(session, stored, POLICY_2026.document, RENDERER)
        second = queue_year_scorecards(session, stored, POLICY_2026.document, RENDERER)
        session.commit()
        mails = session.exec(select(Notification).where(Notification.template == "reseller_scorecard")).all()
    assert (first, second, len(mails)) == (3, 0, 3)
    with Session(engine) as session:
        address = session.get(Partner, year_2026["silent"]).primary_email  # type: ignore[union-attr]
    silent = next(m for m in mails if m.recipient == address)
    assert silent.locale == "fr" and "Maintenu après examen par l'équipe canal." in silent.text_body
    others = [m for m in mails if m.recipient != address]
    assert all(m.locale == "fr" and "Decision" not in m.text_body for m in others)
    assert any("critère" in m.text_body for m in others), "the policy's reason, in French"


def test_a_manager_may_thin_out_a_departement_above_the_band(
    engine: Engine, crowded_2026: dict[str, list[int]]
) -> None:
    """The policy recommends thinning out; pausing a reseller that meets every criterion is the
    manager's choice, recorded as such (its own rule and reason, in the exit and the audit)."""
    chosen = crowded_2026["crowded"][0]
    with Session(engine) as session:
        stored = rebalancing_for(session, 2026)
        assert stored is not None
        candidates = [p.partner_id for p in thin_out_candidates(stored, proposals_of(session, stored))]
    assert candidates == crowded_2026["crowded"], "the Rhône reseller alone is not in a crowded département"

    assert answer(engine, thin_out=(chosen,), comment="two resellers cover the same towns")[0]
    assert apply(engine) == {"keep": 6, "pause": 1}
    assert status_of(engine, chosen) == PartnerStatus.PAUSED
    with Session(engine) as session:
        [left] = session.exec(select(PartnerExit)).all()
        [paused] = session.exec(select(AuditEvent).where(AuditEvent.action == "partner.paused")).all()
        [approved] = session.exec(select(AuditEvent).where(AuditEvent.action == "rebalancing.approved")).all()
        stored = rebalancing_for(session, 2026)
        assert stored is not None
        queue_year_scorecards(session, stored, POLICY_2026.document, RENDERER)
        address = session.get(Partner, chosen).primary_email  # type: ignore[union-attr]
        [card] = session.exec(select(Notification).where(Notification.recipient == address)).all()
    assert (left.partner_id, left.rule_id, left.reason) == (chosen, "thin-out-chosen", THINNED_OUT["en"])
    assert (paused.subject_id, paused.rule_id) == (str(chosen), "thin-out-chosen")
    assert approved.details["thinned_out"] == [chosen]
    assert THINNED_OUT["fr"].split(";")[0] in card.text_body, "its scorecard says why, in French"


def test_only_resellers_of_a_departement_to_thin_out_may_be_thinned(
    engine: Engine, crowded_2026: dict[str, list[int]]
) -> None:
    [alone] = crowded_2026["alone"]
    accepted, message = answer(engine, thin_out=(alone,))
    assert not accepted and f"resellers [{alone}] are not in a département to thin out" in message
    assert status_of(engine, alone) == PartnerStatus.ACTIVE
