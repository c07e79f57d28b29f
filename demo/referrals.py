"""The referral part of the demo: customers imported, the pilot's sponsors invited behind the launch
gate, companies referred through the sponsors' pages (a form POST, as a browser sends it), their
first deals won, the referrals qualified, one self-referral flagged and rejected by a channel
manager from the link in their e-mail. The rewards are then paid with the commission settlement
(the next part) and the programme's figures reported.

The demo compresses months into minutes: the referrals are dated back so that their deals closed
early enough for the rewards' hold to be over by last month's settlement (what happens by itself
over a quarter in real operation).

Run twice, the demo finds the sponsors invited and the referrals made, and shows them.
"""

from __future__ import annotations

import re
import time as time_module
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import httpx
from sqlalchemy import func, update
from sqlmodel import Session, col, select

from demo.campaign import signer
from demo.deals import answer_from_email, deal, wait_for_state
from demo.mailbox import received
from partnerflow.cli.input_files import read_rows
from partnerflow.cli.output import console
from partnerflow.cli.referral_commands import report
from partnerflow.clock import programme_date
from partnerflow.commissions.periods import Period
from partnerflow.context import context
from partnerflow.db import get_engine, session_scope
from partnerflow.models import (
    Partner,
    PartnerTier,
    Referral,
    ReferralStatus,
    Role,
    SponsorInvitation,
)
from partnerflow.orchestration.serving import served_in_thread
from partnerflow.referrals import count_won_deals, import_customers
from partnerflow.registration.intake import take_in
from partnerflow.registration.protection import close_registration

CUSTOMERS = Path(__file__).with_name("customers.csv")
REFERRAL_LINK = re.compile(r"https?://\S+/refer/[\w.-]+")
REFERRED = (  # company, domain, contact, deal amount (None: no deal yet)
    ("Menuiserie Vasseur", "menuiserie-vasseur.fr", "Hugo Vasseur", 24_000),
    ("Cabinet Infirmier Roche", "infirmiers-roche.fr", "Léa Roche", 16_500),
    ("Brasserie du Port", "brasserie-du-port.fr", "Nina Leroy", 22_000),
    ("Atelier Céramique Noël", "ceramique-noel.fr", "Paul Noël", None),
    ("Pressing Alizé", "pressing-alize.fr", "Inès Colin", None),
)


def run_referral_demo() -> None:
    """Import customers, invite the pilot, refer companies, close their deals, qualify."""
    with Session(get_engine()) as session:
        done = session.exec(select(Referral)).first() is not None
    if done:
        console.print("the referral pilot already ran (an earlier demo run): figures after the settlement")
        return
    _import_customers()
    _invite_pilot()
    referred = _refer_through_pages()
    console.print(f"{referred} companies referred through their sponsors' pages")
    won = _close_referred_deals()
    _qualify_and_review()
    console.print(f"{won} referred companies won their first deal; rewards held until their hold ends")


def show_referral_report() -> None:
    """After the settlement: what the programme cost and brought, against the 10 % bar."""
    report(as_json=False)


def _import_customers() -> None:
    now = context().clock.now()
    with session_scope() as session:
        imported = import_customers(session, read_rows(CUSTOMERS), now=now)
        counted = count_won_deals(session, now=now)
    console.print(
        f"customers import {CUSTOMERS.name}: {imported.added} added, {counted} from won deals, "
        f"{len(imported.refused)} refused (`partnerflow customers import FILE`)"
    )
    for number, reason in imported.refused:
        console.print(f"  {CUSTOMERS.name}: row {number}: {reason}", markup=False, highlight=False)


def _invite_pilot() -> None:
    from prefect.deployments import run_deployment

    from flows.referral_invitations import referral_invitations

    with served_in_thread(referral_invitations, name="partnerflow-demo-referrals"):
        run = run_deployment("referral-invitations/referral-invitations", timeout=0)
        final = wait_for_state(str(run.id), lambda state: state.is_final())  # type: ignore[union-attr]
    if not final.is_completed():
        raise RuntimeError(f"the referral-invitations run ended {final.name}: {final.message}")
    with Session(get_engine()) as session:
        invited = session.exec(select(func.count()).select_from(SponsorInvitation)).one()
    console.print(f"referral-invitations: launch gate open, {invited} pilot sponsors invited by e-mail")


def _refer_through_pages() -> int:
    """The first sponsors open the link in their e-mail and refer a company each; the last one
    refers its own company under another name (a self-referral the fraud checks will flag)."""
    invitations = [
        (mail.text, mail.recipient) for mail in reversed(received(key_prefix="sponsor-invitation:"))
    ]
    pages = [(link.group(0), to) for body, to in invitations if (link := REFERRAL_LINK.search(body))]
    forms = [
        {"company": company, "domain": domain, "contact_name": contact,
         "contact_email": f"{contact.split()[0].lower()}@{domain}", "consent": "yes"}
        for company, domain, contact, _amount in REFERRED
    ]  # fmt: skip
    own_domain = pages[len(forms)][1].split("@")[1]
    forms.append(
        {"company": "Nouvelle Enseigne SARL", "domain": own_domain, "contact_name": "Max Dupré",
         "contact_email": f"max@{own_domain}", "consent": "yes"}
    )  # fmt: skip
    referred = 0
    for (page, _recipient), form in zip(pages, forms, strict=False):
        httpx.get(page, timeout=30)  # the sponsor's contact opens the page (a visit), then sends it
        referred += httpx.post(page, data=form, timeout=30).status_code == 200
    return referred


def _close_referred_deals() -> int:
    """Date the referrals back (see the module) and win the referred companies' first deals then."""
    ctx = context()
    period = Period.before(ctx.clock.today())
    hold = ctx.policy("referral_programme", period.last_day).document.rewards.hold_days
    closed_on = period.last_day - timedelta(days=hold + 5)
    referred_at = datetime.combine(closed_on - timedelta(days=40), time(10), tzinfo=UTC)
    policy = ctx.policy("deal_registration", programme_date(referred_at))
    with session_scope() as session:
        session.connection().execute(update(Referral).values(created_at=referred_at))
        partner = session.exec(
            select(Partner)
            .where(Partner.tier == PartnerTier.GOLD, col(Partner.certified))
            .order_by(col(Partner.id))
        ).first()
        assert partner is not None
        own = session.exec(select(Referral).where(Referral.company == "Nouvelle Enseigne SARL")).first()
        wins = [(company, domain, amount) for company, domain, _contact, amount in REFERRED if amount]
        if own is not None and own.domain:
            wins.append(("Nouvelle Enseigne SARL", own.domain, 21_000))
        won = 0
        for company, domain, amount in wins:
            raw = deal(partner, company, domain, amount, ["network"])
            raw["expected_close_on"] = (closed_on + timedelta(days=10)).isoformat()
            submitted = referred_at + timedelta(days=7)
            result = take_in(session, raw, policy=policy, renderer=ctx.renderer, now=submitted)
            if result.outcome != "approve":
                continue
            close_registration(
                session,
                result.registration_id,
                won=True,
                amount=Decimal(amount),
                closed_on=closed_on,
                actor="demo",
                close_review=policy.document.close_review,
                now=datetime.combine(closed_on, time(17), tzinfo=UTC),
            )
            won += 1
    console.print(f"referrals dated {referred_at:%Y-%m-%d}; their first deals closed won on {closed_on}")
    return won


def _qualify_and_review() -> None:
    """qualify-referrals qualifies them; the flagged self-referral starts review-referral, where a
    channel manager rejects it from the link in their e-mail."""
    from prefect.deployments import run_deployment

    from flows.referral_qualification import qualify_referrals
    from flows.referral_review import review_referral

    with served_in_thread(qualify_referrals, review_referral, name="partnerflow-demo-qualify"):
        run = run_deployment("qualify-referrals/qualify-referrals", timeout=0)
        final = wait_for_state(str(run.id), lambda state: state.is_final())  # type: ignore[union-attr]
        if not final.is_completed():
            raise RuntimeError(f"the qualify-referrals run ended {final.name}: {final.message}")
        for referral in _claimed_reviews():
            run_id = referral.review_run_id or ""
            console.print(f"referral {referral.id} flagged: {'; '.join(referral.flags)}")
            answer_from_email(
                run_id, "review-1", signer(Role.CHANNEL_MANAGER), decision="reject",
                comment="The sponsor's own company under a new name.",
            )  # fmt: skip
            wait_for_state(run_id, lambda state: state.is_final())
    with Session(get_engine()) as session:
        statuses = session.exec(select(Referral.status, func.count()).group_by(col(Referral.status))).all()
    console.print(f"referrals: {', '.join(f'{count} {status}' for status, count in statuses)}")


def _claimed_reviews(seconds: float = 120) -> list[Referral]:
    """The flagged referrals, once their review-referral run has claimed them and mailed the
    channel managers."""
    deadline = time_module.monotonic() + seconds
    while True:
        with Session(get_engine()) as session:
            flagged = session.exec(select(Referral).where(Referral.status == ReferralStatus.FLAGGED)).all()
        if all(referral.review_run_id for referral in flagged) or time_module.monotonic() > deadline:
            return [referral for referral in flagged if referral.review_run_id]
        time_module.sleep(1)
