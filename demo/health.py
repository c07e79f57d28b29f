"""The partner-health part of the demo: the quarter's anonymous survey, answered through the page
as partners would, its results by région; then the month's health review, where a channel
manager chooses actions for the at-risk partners from the link in their e-mail.

Run twice, the demo finds the round open, the links used and the month reviewed, and shows them.
"""

from __future__ import annotations

import random
import re
from collections import Counter

import httpx
from sqlmodel import Session, select

from demo.campaign import signer
from demo.deals import answer_from_email, wait_for_state
from demo.mailbox import received
from partnerflow.cli.output import console
from partnerflow.cli.survey_commands import By, close, show_results
from partnerflow.context import context
from partnerflow.db import get_engine
from partnerflow.health import assess_partners
from partnerflow.health.review import month_of
from partnerflow.health.survey import CAUSE_QUESTIONS, quarter_of
from partnerflow.models import HealthReview, HealthSnapshot, Role
from partnerflow.orchestration.serving import served_in_thread
from partnerflow.settings import get_settings

SURVEY_LINK = re.compile(r"https?://\S+/survey/[\w.-]+")
ANSWERING_CONTACTS = 30


def run_health_demo() -> None:
    """Open the quarter's survey by hand, answer it for 30 contacts, show results and health."""
    from prefect.deployments import run_deployment

    from flows.partner_survey import partner_survey

    quarter = quarter_of(context().clock.today())
    with served_in_thread(partner_survey, name="partnerflow-demo-survey"):
        run = run_deployment("partner-survey/partner-survey", parameters={"quarter": quarter}, timeout=0)
        final = wait_for_state(str(run.id), lambda state: state.is_final())  # type: ignore[union-attr]
    if not final.is_completed():
        raise RuntimeError(f"the partner-survey run ended {final.name}: {final.message}")
    answered = _answer_from_emails(quarter)
    console.print(f"survey {quarter}: {answered} contacts answered through the page just now")
    _print_survey(quarter)
    _review_the_month()


def _answer_from_emails(quarter: str) -> int:
    """Contacts open the link in their e-mail and answer, as a browser posts the form."""
    mails = received(key_prefix="survey-invitation:")
    bodies = [mail.text for mail in reversed(mails) if f":{quarter}:" in mail.key]
    rng = random.Random(quarter)
    answered = 0
    for body in bodies[:ANSWERING_CONTACTS]:
        link = SURVEY_LINK.search(body)
        if link is None:
            continue
        mood = rng.choice((2, 3, 4, 4, 5))
        form = {
            question: str(max(1, min(5, mood + rng.choice((-1, 0, 0, 1))))) for question in CAUSE_QUESTIONS
        }
        form["recommendation"] = str(min(10, 2 * mood + rng.choice((-1, 0, 1))))
        form["comment"] = rng.choice(
            ("", "", "Plus de formations en région, svp.", "Réponses rapides, merci.")
        )
        response = httpx.post(link.group(0), data=form, timeout=30)
        answered += response.status_code == 200
    return answered


def _print_survey(quarter: str) -> None:
    """Results exist once a round has closed: the demo ends its round now (``survey close``)."""
    close(round_label=quarter)
    show_results(round_label=quarter, by=By.REGION, as_json=False)


def _review_the_month() -> None:
    """Run partner-health for this month; a channel manager takes the suggested action for the
    first three at-risk partners on their approval page."""
    from prefect.deployments import run_deployment

    from flows.partner_health import partner_health

    ctx = context()
    month = month_of(ctx.clock.today())
    with Session(get_engine()) as session:
        done = session.exec(select(HealthReview).where(HealthReview.month == month)).first()
    if done is None:
        with served_in_thread(partner_health, name="partnerflow-demo-health"):
            run = run_deployment("partner-health/partner-health", parameters={"month": month}, timeout=0)
            run_id = str(run.id)  # type: ignore[union-attr]
            state = wait_for_state(run_id, lambda state: state.is_paused() or state.is_final())
            if state.is_paused():
                answer_from_email(
                    run_id,
                    "actions-1",
                    signer(Role.CHANNEL_MANAGER),
                    actions=_suggested_actions(),
                    comment="Calls booked with the three partners this week.",
                )
            final = wait_for_state(run_id, lambda state: state.is_final())
        if not final.is_completed():
            raise RuntimeError(f"the partner-health run ended {final.name}: {final.message}")
    _print_review(month)


def _suggested_actions(first: int = 3) -> str:
    ctx = context()
    policy = ctx.policy("partner_health", ctx.clock.today())
    with Session(get_engine()) as session:
        assessed = assess_partners(session, policy, ctx.clock.now())
    at_risk = [health for health in assessed if health.level == "at-risk" and health.drivers][:first]
    return ", ".join(f"{health.partner_id}={health.drivers[0].action}" for health in at_risk)


def _print_review(month: str) -> None:
    with Session(get_engine()) as session:
        review = session.exec(select(HealthReview).where(HealthReview.month == month)).one()
        snapshots = session.exec(select(HealthSnapshot).where(HealthSnapshot.review_id == review.id)).all()
    levels = Counter(snapshot.level for snapshot in snapshots)
    actions = Counter(snapshot.action for snapshot in snapshots if snapshot.action)
    console.print(
        f"partner health {month}: {review.status.value}"
        + (f" by {review.decided_by}" if review.decided_by else "")
        + f"; {levels['at-risk']} at risk, {levels['watch']} to watch, {levels['healthy']} healthy; "
        f"actions {dict(actions)}"
    )
    console.print(f"report: {get_settings().reports_dir / f'partner-health-{month}.html'}")
    console.print("details: `partnerflow health --level at-risk`, `partnerflow health --partner ID`")
