"""The programme is judged on its figures: conversion against the 10 % bar and the break-even per
cohort and month; the pilot ends on the policy's date and the programme owner, with their own
code, rolls it out, extends it or stops it."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from prefect.artifacts import Artifact
from sqlalchemy import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner

from flows.referral_pilot_review import referral_pilot_review
from partnerflow.approvals import Reply, Subject, answer_by_code
from partnerflow.cli import app
from partnerflow.clock import FixedClock, programme_date
from partnerflow.context import context, forget_context
from partnerflow.models import PilotReview, Role, SponsorInvitation
from partnerflow.orchestration.prefect_api import start_run
from partnerflow.orchestration.resuming import resume_with_input
from partnerflow.orchestration.serving import served_in_thread
from partnerflow.referrals.invitations import invite_sponsors
from partnerflow.referrals.pilot import apply_owner_answer, ask_owner, open_review, programme_stage
from partnerflow.referrals.report import figures_csv, figures_html, referral_figures
from partnerflow.settings import PROJECT_ROOT, Settings, get_settings
from tests.factories import NOW, add_person, applying, mailed_invitation
from tests.flows.test_deal_registration_flow import wait_for
from tests.referrals.test_customers_and_sponsors import LOYAL, imported, policy
from tests.referrals.test_qualification import qualify, referral, sponsor, won

OWNER = "owner@vendor.example"
AS_OF = date(2026, 11, 30)
PILOT_ENDS = date(2027, 3, 31)


@pytest.fixture
def converted(engine: Engine) -> None:
    """A pilot sponsor invited in September with 5 page visits and two referrals: one converted
    on a 40,000 deal (rewards 1,000 + 300), one still waiting."""
    with Session(engine) as session:
        invitation_id = sponsor(session)
        invitation = session.get_one(SponsorInvitation, invitation_id)
        invitation.sent_at, invitation.visits = datetime(2026, 9, 1, 9, tzinfo=UTC), 5
        referral(session, invitation_id)
        referral(session, invitation_id, key="domain:autre.example")
        won(session, "domain:filleul.example", date(2026, 10, 15), "40000")
        session.commit()
    assert qualify(engine).qualified == 1


def test_conversion_margin_and_break_even_per_cohort_and_month(engine: Engine, converted: None) -> None:
    with Session(engine) as session:
        figures = referral_figures(session, policy(), as_of=AS_OF)

    [september] = figures.months
    assert (september.cohort, september.month, september.invitations, september.visits) == (
        "pilot",
        "2026-09",
        1,
        5,
    )
    assert (september.referrals, september.first_transactions, september.conversion) == (2, 1, 0.5)
    assert (september.reward_cost, september.gross_margin) == (Decimal("1300.00"), Decimal("12000.00"))
    [verdict] = figures.verdicts
    # fixed costs 1,500 x 3 months (September to November) / (2 referrals x (12,000 - 1,300)) = 21.0 %
    assert verdict.break_even == pytest.approx(4500 / (2 * 10700))
    assert verdict.meets_bar and "meets the 10% bar" in verdict.reason


def test_without_a_first_transaction_the_break_even_is_not_known_and_the_bar_is_missed(
    engine: Engine,
) -> None:
    with Session(engine) as session:
        referral(session, sponsor(session))
        session.commit()
        [verdict] = referral_figures(session, policy(), as_of=AS_OF).verdicts
    assert (verdict.meets_bar, verdict.break_even) == (False, None)
    assert verdict.reason == "conversion 0.0% under the 10% bar"
    assert verdict.break_even_note == "not known before the first transaction"


def test_the_report_is_a_page_with_three_charts_and_no_script_and_a_csv(
    engine: Engine, converted: None
) -> None:
    with Session(engine) as session:
        figures = referral_figures(session, policy(), as_of=AS_OF)
    page, table = figures_html(figures), figures_csv(figures)
    assert page.count("<svg") == 3 and "<script" not in page
    assert table.splitlines()[1] == "pilot,2026-09,1,5,2,1,50.0%,1300.00,12000.00"


def test_referrals_report_in_the_terminal_writes_the_files(
    engine: Engine, converted: None, settings: Settings
) -> None:
    result = CliRunner().invoke(app, ["referrals", "report"])
    assert result.exit_code == 0, result.output
    assert "pilot: meets the bar" in result.output
    assert sorted(path.suffix for path in settings.reports_dir.glob("referrals-*")) == [".csv", ".html"]


def decide(engine: Engine, review_id: int, decision: str, now: datetime) -> str:
    _link, code = mailed_invitation(engine, OWNER, "referral_pilot_review")
    with Session(engine) as session:
        answer_by_code(
            session,
            context().links.keys,
            Subject("referral-pilot", review_id),
            code,
            Reply(decision, ""),
            now=now,
        )
        outcome = apply_owner_answer(applying(session, now=now, policy=policy()), review_id)
        session.commit()
    return outcome.message


def review_on(engine: Engine, day: date) -> int | None:
    now = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=9)
    ctx = context()
    with Session(engine) as session:
        figures = referral_figures(session, policy(), as_of=day)
        review = open_review(session, policy(), figures, today=day, run_id=f"run-{day}", now=now)
        if review is not None:
            at = replace(ctx.asking(session, f"run-{day}"), now=now)
            ask_owner(at, review, figures, expires_at=now + timedelta(days=30))
        session.commit()
        return review.id if review is not None else None


def invite_on(engine: Engine, day: date) -> tuple[int, str, str]:
    ctx = context()
    now = datetime.combine(day, datetime.min.time(), UTC)
    with Session(engine) as session:
        invited = invite_sponsors(session, policy(), today=day, now=now, renderer=ctx.renderer)
        session.commit()
    return invited.invited, invited.cohort, invited.note


@pytest.fixture
def loyal_customers(engine: Engine) -> None:
    """30 happy loyal customers (the launch gate is open) and a programme owner."""
    imported(
        engine,
        [
            {**LOYAL, "name": f"Client {n} SAS", "siren": None, "email": f"achats@client{n}.example"}
            for n in range(30)
        ],
    )
    with Session(engine) as session:
        add_person(session, OWNER, Role.PROGRAMME_OWNER)
        session.commit()


def test_the_pilot_invites_its_cohort_then_waits_for_the_owner_who_extends_then_rolls_out(
    engine: Engine, loyal_customers: None
) -> None:
    assert invite_on(engine, AS_OF)[:2] == (20, "pilot")
    assert review_on(engine, PILOT_ENDS) is None, "no review before the pilot's end"
    first = review_on(engine, PILOT_ENDS + timedelta(days=1))
    assert first is not None and review_on(engine, PILOT_ENDS + timedelta(days=2)) == first, (
        "one review per end"
    )
    assert invite_on(engine, PILOT_ENDS + timedelta(days=1)) == (
        0, "pilot", "the pilot ended 2027-03-31: invitations wait for the programme owner's decision"
    )  # fmt: skip

    assert (
        decide(engine, first, "extend", datetime(2027, 4, 2, tzinfo=UTC))
        == "pilot ended 2027-03-31: extend until 2027-06-29"
    )
    with Session(engine) as session:
        assert programme_stage(session, policy()).pilot_ends_on == date(2027, 6, 29)
    second = review_on(engine, date(2027, 6, 30))
    assert second is not None and second != first
    decide(engine, second, "rollout", datetime(2027, 7, 1, tzinfo=UTC))

    assert invite_on(engine, date(2027, 7, 2))[:2] == (10, "rollout"), (
        "every eligible sponsor not invited yet"
    )
    with Session(engine) as session:
        decided = session.exec(select(PilotReview).order_by(PilotReview.id)).all()
    assert [(r.decision, r.decided_by) for r in decided] == [("extend", OWNER), ("rollout", OWNER)]


def test_once_stopped_nobody_new_is_invited_but_referrals_still_qualify(
    engine: Engine, loyal_customers: None
) -> None:
    invite_on(engine, AS_OF)
    review = review_on(engine, PILOT_ENDS + timedelta(days=1))
    assert review is not None
    decide(engine, review, "stop", datetime(2027, 4, 2, tzinfo=UTC))
    assert invite_on(engine, date(2027, 4, 3)) == (
        0,
        "stopped",
        "the programme owner stopped the programme: nobody new is invited",
    )
    with Session(engine) as session:
        invitation = session.exec(select(SponsorInvitation)).first()
        assert invitation is not None and invitation.id is not None
        referral(session, invitation.id, created_at=datetime(2027, 3, 1, tzinfo=UTC))
        won(session, "domain:filleul.example", date(2027, 4, 10), "20000")
        session.commit()
    assert qualify(engine).qualified == 1


@pytest.fixture
def pilot_ended_yesterday(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settings: Settings
) -> Iterator[None]:
    """The repository's policies with the pilot's end set to yesterday (what an operator edits)."""
    folder = tmp_path / "policies"
    shutil.copytree(PROJECT_ROOT / "policies", folder)
    path = folder / "referral_programme" / "2026-01-01.yaml"
    yesterday = programme_date(NOW) - timedelta(days=1)
    path.write_text(path.read_text("utf-8").replace("ends_on: 2027-03-31", f"ends_on: {yesterday}"), "utf-8")
    monkeypatch.setenv("PARTNERFLOW_POLICIES_DIR", str(folder))
    get_settings.cache_clear()
    forget_context(FixedClock(NOW))
    yield


@pytest.fixture(scope="module")
def served_pilot_review(prefect_server: None) -> Iterator[None]:
    with served_in_thread(referral_pilot_review, name="partnerflow-pilot-review-tests"):
        yield


@pytest.mark.prefect
def test_the_day_after_the_pilot_the_run_publishes_the_figures_and_the_owners_code_rolls_out(
    served_pilot_review: None, pilot_ended_yesterday: None, engine: Engine, converted: None
) -> None:
    with Session(engine) as session:
        add_person(session, OWNER, Role.PROGRAMME_OWNER)
        session.commit()
    run_id = start_run("referral-pilot-review/referral-pilot-review", {})
    wait_for(run_id, pause_key="decision-1")
    _link, code = mailed_invitation(engine, OWNER, "referral_pilot_review")
    resume_with_input(run_id, {"decision": "rollout", "approval_code": "owner@vendor.example"})
    wait_for(run_id, pause_key="decision-2")  # a typed address decides nothing
    resume_with_input(run_id, {"decision": "rollout", "approval_code": code})
    final = wait_for(run_id, final=True)

    assert final.state is not None and final.state.is_completed()
    with Session(engine) as session:
        [review] = session.exec(select(PilotReview)).all()
    assert (review.decision, review.decided_by) == ("rollout", OWNER)
    assert review.figures["verdicts"][0]["meets_bar"] is True
    published = Artifact.get("referral-programme")
    assert published is not None and f"**rollout** by {OWNER}" in str(published.data)
    assert "/reports/" in str(published.data), "the figures link their report through the web app"
