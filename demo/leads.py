"""Lead distribution in the demo: a day of leads from the website goes through the lead-intake
deployment and is offered to resellers; one reseller opens a lead from its e-mail, accepts it and
declares it sold; a lead whose prospect did not consent goes to its channel manager, who closes
it from their e-mail; two working days later another lead, never accepted, is passed on; the
monthly feedback goes out. The rebalancing that follows reads these events."""

from __future__ import annotations

import random
import re
import time
from datetime import timedelta

import httpx
from sqlmodel import Session, col, func, select

from demo.deals import APPROVAL_LINK, answer_on_page, wait_for_state
from demo.mailbox import received
from partnerflow.cli.output import console
from partnerflow.context import context
from partnerflow.db import get_engine, session_scope
from partnerflow.leads.handover import SUBJECT_KIND
from partnerflow.leads.offers import route_and_offer, sweep_and_tell
from partnerflow.models import (
    ApprovalAnswer,
    ApprovalRequest,
    Lead,
    LeadHandover,
    LeadTurn,
    Partner,
    PartnerStatus,
    TurnState,
)
from partnerflow.orchestration.serving import served_in_thread

LEAD_LINK = re.compile(r"https?://\S+/lead/[\w.-]+")
PROSPECTS = (
    "Boulangerie Martin",
    "Cabinet Roux Avocats",
    "Garage du Centre",
    "Clinique vétérinaire des Pins",
    "Imprimerie Lenoir",
    "Hôtel de la Gare",
    "Pharmacie Moreau",
    "Transports Girard",
    "Lycée privé Saint-Joseph",
    "Mairie de Villeneuve",
    "Ferme des Tilleuls",
    "Atelier Fontaine",
)
FIRST_NAMES = ("Claire", "Paul", "Inès", "Marc", "Sofia")
LAST_NAMES = ("Martin", "Roux", "Diallo", "Nguyen")
LINES = (["network"], ["wifi"], ["network", "switching"], ["security"], ["wifi", "network"])


def a_day_of_leads(count: int = 24) -> list[dict[str, object]]:
    """What the website's forms sent today: prospects in the départements the network covers."""
    ctx = context()
    rng = random.Random(ctx.clock.today().toordinal())
    with Session(get_engine()) as session:
        covered = sorted(
            set(session.exec(select(Partner.territory_code).where(Partner.status == PartnerStatus.ACTIVE)))
        )
    day = ctx.clock.today().isoformat()
    return [
        {
            "external_id": f"WEB-{day}-{n:03d}",
            "company": f"{PROSPECTS[n % len(PROSPECTS)]} ({n + 1})",
            "contact_name": f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
            "contact_email": f"contact{n}@prospect-{n}.example",
            "contact_phone": f"+33 4 78 {n:02d} {rng.randrange(100):02d} {rng.randrange(100):02d}",
            "departement": covered[n % len(covered)],
            "product_lines": LINES[n % len(LINES)],
            "source": "web",
            "consent": n % 12 != 11,  # one in twelve did not agree to be called by a reseller
            "note": "Demande de devis via le site.",
        }
        for n in range(count)
    ]


def run_lead_demo() -> None:
    """Take a day of leads in through the deployment, work one, pass another on, send feedback."""
    from prefect.deployments import run_deployment

    from flows.lead_distribution import lead_feedback, lead_intake
    from flows.lead_handover import hand_over_lead

    with served_in_thread(lead_intake, lead_feedback, hand_over_lead, name="partnerflow-demo-leads"):
        run = run_deployment("lead-intake/lead-intake", parameters={"leads": a_day_of_leads()}, timeout=0)
        state = wait_for_state(str(run.id), lambda state: state.is_final())  # type: ignore[union-attr]
        console.print(f"lead-intake: {state.name}; {_counts()}")
        _work_one_from_its_email()
        _manager_closes_one()
        _pass_one_on()
        feedback = run_deployment("lead-feedback/lead-feedback", parameters={}, timeout=0)
        wait_for_state(str(feedback.id), lambda state: state.is_final())  # type: ignore[union-attr]
        mails = received(key_prefix="lead_feedback:")
        console.print(f"lead-feedback: {len(mails)} reseller contact(s) told their results for last month")


def _counts() -> str:
    with Session(get_engine()) as session:
        rows = session.exec(
            select(Lead.state, func.count())
            .where(col(Lead.external_id).is_not(None))
            .group_by(col(Lead.state))
        ).all()
    return ", ".join(f"{count} {state}" for state, count in rows)  # a StrEnum reads as its value


def _work_one_from_its_email() -> None:
    """A reseller's contact opens the offer from its mailbox, shows the contact, accepts, sells."""
    offers = received(key_prefix="lead_offered:")
    found = LEAD_LINK.search(offers[0].text if offers else "")
    if found is None:
        console.print("no lead offer reached a reseller's mailbox")
        return
    link = found.group(0)
    with httpx.Client(timeout=30) as browser:
        hidden = "@prospect-" not in browser.get(link).text
        browser.post(link, data={"action": "reveal"})
        browser.post(link, data={"action": "accept"})
        sold = browser.post(link, data={"action": "status", "status": "sold", "amount": "12500.00"})
    console.print(
        f"{offers[0].recipient} opened a lead from its e-mail (contact hidden until shown: {hidden}), "
        f"accepted it and declared it sold for 12,500.00: {sold.status_code}",
        markup=False,
    )


def _manager_closes_one() -> None:
    """A prospect who did not agree to be called by a reseller: the lead is its département's
    channel manager's decision; they close it from the e-mail that asks them."""
    deadline = time.monotonic() + 120  # the runner picks the started run up within seconds
    while True:
        handover, lead = _unanswered_handover()
        if handover is None or lead is None or time.monotonic() > deadline:
            console.print("no lead waits for a channel manager's answer")
            return
        if handover.flow_run_id is not None:
            break
        time.sleep(0.5)
    asked = received(key_prefix=f"decision_requested:lead-handover:{handover.id}:")
    if not asked:
        console.print(f"lead {lead.id}: no channel manager was asked")
        return
    reason = "Pas de consentement : l'équipe commerciale rappelle le prospect elle-même"
    link = APPROVAL_LINK.search(asked[0].text)
    if link is None:
        console.print(f"lead {lead.id}: the channel manager's e-mail carries no link")
        return
    run_id = handover.flow_run_id
    wait_for_state(run_id, lambda state: state.is_paused())
    answer_on_page(link.group(0), asked[0].recipient, "close", "handover-1", reason=reason)
    wait_for_state(run_id, lambda state: state.is_final())
    with Session(get_engine()) as session:
        closed = session.get_one(Lead, lead.id)
    console.print(
        f"lead {lead.id} ({lead.company}, no consent): {asked[0].recipient} closed it from their "
        f"e-mail; the lead is {closed.state}",
        markup=False,
    )


def _unanswered_handover() -> tuple[LeadHandover | None, Lead | None]:
    """The newest lead waiting for its channel manager that nobody answered yet (the demo runs
    again on the same day: the day's leads are known, an earlier run's handover may be answered)."""
    answered = (
        select(ApprovalRequest.subject_id)
        .join(ApprovalAnswer, col(ApprovalAnswer.request_id) == col(ApprovalRequest.id))
        .where(ApprovalRequest.subject_kind == SUBJECT_KIND)
    )
    with Session(get_engine()) as session:
        handover = session.exec(
            select(LeadHandover)
            .where(col(LeadHandover.awaiting), col(LeadHandover.id).not_in(answered))
            .order_by(col(LeadHandover.id).desc())
        ).first()
        return handover, session.get(Lead, handover.lead_id) if handover else None


def _pass_one_on() -> None:
    """Two working days and a minute later (the demo moves its clock): the distribute-leads
    sweep reminds, withdraws an offer nobody answered and offers it to the next reseller."""
    ctx = context()
    with session_scope() as session:
        waiting = session.exec(
            select(LeadTurn).where(LeadTurn.state == TurnState.OFFERED).order_by(col(LeadTurn.deadline_at))
        ).first()
        if waiting is None or waiting.deadline_at is None:
            console.print("no offer waits for an answer")
            return
        later = waiting.deadline_at + timedelta(minutes=1)
        policy = ctx.policy("lead_routing", ctx.clock.today())
        sweep = sweep_and_tell(session, ctx.renderer, policy.document, later)
        routed = route_and_offer(session, ctx.renderer, policy, later)
        lead_id = waiting.lead_id
    with Session(get_engine()) as session:
        turns = session.exec(
            select(LeadTurn).where(LeadTurn.lead_id == lead_id).order_by(col(LeadTurn.id))
        ).all()
    console.print(
        f"{later:%Y-%m-%d %H:%M} UTC: {len(sweep.withdrawn)} offer(s) past their 48 working hours withdrawn "
        f"and offered again ({len(routed.offered)} offered, {len(routed.to_manager)} to a channel manager); "
        f"lead {lead_id}: "
        + " → ".join(f"reseller {t.reseller_id} {t.state.value}" for t in turns)
        + f" (`partnerflow leads show {lead_id}` says why)",
        markup=False,
    )
