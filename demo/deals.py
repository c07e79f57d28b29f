"""The deal-registration part of the demo: a realistic batch, reviews answered.

Escalated registrations run on served deployments (a runner in this process). Each reviewer
answers as a real one would: the personal link from their e-mail, a button on the approval page
(a form POST); the page records the answer and wakes the run.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import UUID

from rich.table import Table
from sqlmodel import Session, col, select

from demo.mailbox import received
from partnerflow.cli.output import console
from partnerflow.cli.progress import step
from partnerflow.context import context
from partnerflow.db import get_engine
from partnerflow.models import Partner, PartnerTier, Person, PersonRole, Registration, Role
from partnerflow.orchestration.serving import served_in_thread

WAIT_SECONDS = 120


@dataclass(frozen=True)
class Cast:
    """Who plays which part in the demo, picked from the seeded network."""

    trusted: Partner
    rival: Partner
    newcomer: Partner
    platinum: Partner
    manager: str
    directors: tuple[str, str]


def pick_cast() -> Cast:
    with Session(get_engine()) as session:
        partners = list(session.exec(select(Partner).order_by(col(Partner.id))))
        trusted = next(
            p for p in partners if p.tier in (PartnerTier.GOLD, PartnerTier.PLATINUM) and p.certified
        )
        rival = next(p for p in partners if p.id != trusted.id and p.territory_code == trusted.territory_code)
        newcomer = next(p for p in partners if p.tier == PartnerTier.REGISTERED and p.id != rival.id)
        platinum = next(p for p in partners if p.tier == PartnerTier.PLATINUM and p.id != trusted.id)

        def emails(role: Role) -> list[str]:
            query = (
                select(Person.email).join(PersonRole).where(PersonRole.role == role).order_by(col(Person.id))
            )
            return list(session.exec(query))

        directors = emails(Role.CHANNEL_DIRECTOR)
        return Cast(
            trusted, rival, newcomer, platinum, emails(Role.CHANNEL_MANAGER)[0], (directors[0], directors[1])
        )


def deal(partner: Partner, customer: str, domain: str, amount: int, lines: list[str]) -> dict[str, Any]:
    return {
        "partner_id": partner.id,
        "customer_name": customer,
        "customer_email": f"achats@{domain}",
        "customer_departement": partner.territory_code,
        "product_lines": lines,
        "amount": amount,
        "expected_close_on": (context().clock.today() + timedelta(days=75)).isoformat(),
        "notes": "Demo registration",
    }


APPROVAL_LINK = re.compile(r"https?://\S+/approve/[\w.-]+")


def run_deal_demo() -> None:
    """Submit the batch, answer the reviews, print the outcomes."""
    from flows.deal_registration import register_deal, review_registration
    from partnerflow.registration.submission import DealSubmission

    cast = pick_cast()
    auto = [
        (
            "small deal, trusted partner",
            deal(cast.trusted, "Boulangeries Martin SAS", "boulangeries-martin.fr", 18000, ["network"]),
        ),
        (
            "same customer, rival partner",
            deal(cast.rival, "BOULANGERIES MARTIN", "boulangeries-martin.fr", 22000, ["network", "wifi"]),
        ),
    ]
    outcomes: list[tuple[str, dict[str, Any]]] = []
    for label, raw in auto:
        outcomes.append((label, register_deal(DealSubmission.model_validate(raw)).intake.as_dict()))
    with served_in_thread(register_deal, review_registration, name="partnerflow-demo"):
        newcomer_run = _start(
            deal(cast.newcomer, "Clinique du Parc SA", "clinique-du-parc.fr", 42000, ["storage"])
        )
        large_run = _start(
            deal(cast.platinum, "Métropole de Lyon", "grandlyon.example", 480000, ["network", "security"])
        )
        answer_from_email(newcomer_run, "review-1", cast.manager, comment="Known customer, budget confirmed.")
        answer_from_email(large_run, "review-1", cast.directors[0], comment="Strategic account.")
        answer_from_email(large_run, "review-2", cast.directors[1], comment="Agreed, second approval.")
        for label, run_id in (
            ("newcomer, manager review", newcomer_run),
            ("large deal, four eyes", large_run),
        ):
            outcomes.append((label, {"outcome": "review", "review": _final(run_id)}))
    _print(outcomes)


def _start(raw: dict[str, Any]) -> str:
    from prefect.client.schemas.objects import FlowRun
    from prefect.deployments import run_deployment

    run = run_deployment("register-deal/register-deal", parameters={"submission": raw}, timeout=0)
    assert isinstance(run, FlowRun)
    console.print(f"started register-deal for {raw['customer_name']}: run {run.id}")
    return str(run.id)


def answer_from_email(
    run_id: str, pause_key: str, email: str, decision: str = "approve", **fields: str
) -> None:
    """Wait until the run waits at ``pause_key``, then answer as ``email`` would: open the personal
    link from their latest e-mail that carries one and press a button."""
    wait_for_state(run_id, lambda state: state.is_paused() and state.state_details.pause_key == pause_key)
    answer_on_page(personal_link(email), email, decision, pause_key, **fields)


def answer_on_page(link: str, email: str, decision: str, pause_key: str, **fields: str) -> None:
    """Press a button on the approval page ``link`` opens (a form POST, as a browser sends it)."""
    import httpx

    response = httpx.post(link, data={"decision": decision, **fields}, timeout=30)
    if response.status_code != 200:
        raise RuntimeError(f"the approval page refused {email}'s answer ({response.status_code})")
    console.print(f"  {email}: {decision} on their approval page ({pause_key})")


def personal_link(email: str) -> str:
    """The approval link in the latest e-mail ``email`` received that carries one."""
    for mail in received(recipient=email):
        found = APPROVAL_LINK.search(mail.text)
        if found:
            return found.group(0)
    raise LookupError(f"no e-mail to {email} carries an approval link")


def _final(run_id: str) -> Any:
    state = wait_for_state(run_id, lambda state: state.is_final())
    with Session(get_engine()) as session:
        registration = session.exec(select(Registration).where(Registration.flow_run_id == run_id)).one()
    return {"state": state.name, "status": registration.status.value, "rule_id": registration.rule_id}


def wait_for_state(run_id: str, done: Any) -> Any:
    """Poll the run until ``done(state)``, under a spinner naming the run and its state."""
    from prefect.client.orchestration import get_client

    deadline = time.monotonic() + WAIT_SECONDS
    with step("waiting for Prefect", shown=console) as waiting:
        while time.monotonic() < deadline:
            with get_client(sync_client=True) as client:
                run = client.read_flow_run(UUID(run_id))
            state = run.state
            waiting.note(f"{run.name}: {state.name if state else 'scheduled'}")
            if state is not None and done(state):
                return state
            time.sleep(0.5)
    raise TimeoutError(f"flow run {run_id} did not get there in {WAIT_SECONDS} s")


def _print(outcomes: list[tuple[str, dict[str, Any]]]) -> None:
    table = Table(title="Deal registrations")
    for column in ("case", "policy outcome", "rule", "final", "reason"):
        table.add_column(column)
    for label, result in outcomes:
        review = result.get("review") or {}
        final = review.get("status") or {"approve": "approved", "reject": "rejected"}.get(
            result["outcome"], ""
        )
        table.add_row(
            label,
            result["outcome"],
            str(result.get("rule_id") or review.get("rule_id") or ""),
            final,
            str(result.get("reason") or ""),
        )
    console.print(table)
