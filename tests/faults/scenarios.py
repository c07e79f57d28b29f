"""The fault scenarios, as functions: the fault suite asserts on them, ``bench/faults.py`` reports them.

Each counts by notification key what a real server stored, against what the outbox was given:
delivered once, duplicated, lost, marked failed.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import Engine, update
from sqlmodel import Session, func, select

from partnerflow.approvals import links_for, unsealer
from partnerflow.commissions.settlement import mark_paid, prepare_payment, save_payment_files
from partnerflow.db import make_engine
from partnerflow.models import DeliveryStatus, Notification
from partnerflow.notify import TemplateRenderer, deliver_pending, enqueue
from partnerflow.settings import PROJECT_ROOT, Settings
from tests.factories import WRITTEN_AT
from tests.faults.faulty_smtp import FaultLog, FaultyServer

RENDERER = TemplateRenderer(PROJECT_ROOT / "email_templates")
WELCOME = yaml.safe_load((PROJECT_ROOT / "email_templates" / "samples.yaml").read_text("utf-8"))[
    "partner_welcome"
]


@dataclass(frozen=True)
class Delivery:
    """What arrived, per notification, against what was queued."""

    queued: int
    delivered_once: int
    duplicates: int  # extra copies, all notifications together
    lost: int
    failed: int


def queue_welcomes(engine: Engine, count: int) -> list[str]:
    """``count`` partner e-mails in the outbox; their dedupe keys."""
    keys = [f"fault-welcome:{number}" for number in range(count)]
    with Session(engine) as session:
        for number, key in enumerate(keys):
            enqueue(
                session,
                renderer=RENDERER,
                dedupe_key=key,
                recipient=f"partner{number}@example.com",
                template="partner_welcome",
                locale="fr",
                context=WELCOME,
            )
        session.commit()
    return keys


def delivery(engine: Engine, keys: list[str], stored: Counter[str]) -> Delivery:
    with Session(engine) as session:
        failed = session.exec(
            select(func.count()).select_from(Notification).where(Notification.status == DeliveryStatus.FAILED)
        ).one()
    return Delivery(
        queued=len(keys),
        delivered_once=sum(stored[key] == 1 for key in keys),
        duplicates=sum(max(stored[key] - 1, 0) for key in keys),
        lost=sum(stored[key] == 0 for key in keys),
        failed=failed,
    )


def pending(engine: Engine) -> int:
    with Session(engine) as session:
        return session.exec(
            select(func.count())
            .select_from(Notification)
            .where(Notification.status == DeliveryStatus.PENDING)
        ).one()


def make_due_now(engine: Engine) -> None:
    """What time does for the outbox: the backoff elapses and an abandoned lease expires."""
    with Session(engine) as session:
        session.exec(  # type: ignore[call-overload]
            update(Notification)
            .where(Notification.status == DeliveryStatus.PENDING)
            .values(next_attempt_at=Notification.created_at, claimed_until=None)
        )
        session.commit()


def deliver_until_done(engine: Engine, settings: Settings, *, rounds: int = 200) -> int:
    """Run the sender until nothing is pending (each round after the backoff); rounds used."""
    for used in range(1, rounds + 1):
        asyncio.run(deliver_pending(engine, settings, unseal=unsealer(links_for(settings))))
        if not pending(engine):
            return used
        make_due_now(engine)
    raise AssertionError(f"still {pending(engine)} pending after {rounds} rounds")


def smtp_faults(engine: Engine, settings: Settings, *, count: int, seed: int) -> tuple[Delivery, FaultLog]:
    """``count`` notifications through a server failing about 30 % of its sessions."""
    keys = queue_welcomes(engine, count)
    log = FaultLog(seed)
    server = FaultyServer(log, settings.smtp_port)
    server.start()
    try:
        deliver_until_done(engine, settings)
    finally:
        server.stop()
    return delivery(engine, keys, log.stored), log


def smtp_down_then_up(engine: Engine, settings: Settings, *, count: int) -> tuple[Delivery, int]:
    """A whole sender run with no server, then one with it; returns the attempts the outage cost."""
    keys = queue_welcomes(engine, count)
    asyncio.run(deliver_pending(engine, settings, unseal=unsealer(links_for(settings))))
    with Session(engine) as session:
        spent = sum(row.attempts for row in session.exec(select(Notification)))
    make_due_now(engine)
    log = FaultLog(0, shares={})
    server = FaultyServer(log, settings.smtp_port)
    server.start()
    try:
        deliver_until_done(engine, settings)
    finally:
        server.stop()
    return delivery(engine, keys, log.stored), spent


def sender_kills(
    engine: Engine, settings: Settings, environment: dict[str, str], *, count: int, kills: int, seed: int
) -> tuple[Delivery, int]:
    """``partnerflow mail send-pending`` killed with SIGKILL ``kills`` times while it sends (its
    lease then expires), then run to the end. Returns the delivery and the kills that landed."""
    keys = queue_welcomes(engine, count)
    log = FaultLog(seed, shares={})
    server = FaultyServer(log, settings.smtp_port)
    server.start()
    rng = random.Random(seed)
    landed = 0
    command = [sys.executable, "-m", "partnerflow", "mail", "send-pending"]
    try:
        for _ in range(kills):
            before = sum(log.stored.values())
            sender = subprocess.Popen(
                command, env=environment, stdout=subprocess.DEVNULL, start_new_session=True
            )
            deadline = time.monotonic() + 60
            while (
                sum(log.stored.values()) == before and sender.poll() is None and time.monotonic() < deadline
            ):
                time.sleep(0.005)
            time.sleep(rng.uniform(0.0, 0.3))
            if sender.poll() is None:
                os.killpg(sender.pid, signal.SIGKILL)
                landed += 1
            sender.wait()
            make_due_now(engine)
            if not pending(engine):
                break
        subprocess.run(command, env=environment, stdout=subprocess.DEVNULL, check=True, timeout=300)
        if pending(engine):
            deliver_until_done(engine, settings)
    finally:
        server.stop()
    return delivery(engine, keys, log.stored), landed


def _settle_in_own_process(url: str, batch_id: int, folder: str, start: Any, results: Any) -> None:
    """One settlement run's payment steps, as its tasks do them: file, then mark paid."""
    from tests.commissions.ledger import NOW, PAYER

    engine = make_engine(url)
    start.wait()
    with Session(engine) as session:
        files = prepare_payment(session, batch_id, payer=PAYER, now=NOW)
        session.commit()
    save_payment_files(Path(folder), files)
    with Session(engine) as session:
        paid = mark_paid(session, batch_id, now=NOW)
        session.commit()
    results.put((files.payment_id, paid))


def race_settlements(engine: Engine, batch_id: int, folder: Path, racers: int) -> list[tuple[str, int]]:
    """``racers`` processes settle one approved batch at the same moment; (payment id, statements
    each marked paid) per racer."""
    context = multiprocessing.get_context("fork")
    start, results = context.Barrier(racers), context.Queue()
    url = engine.url.render_as_string(hide_password=False)
    processes = [
        context.Process(target=_settle_in_own_process, args=(url, batch_id, str(folder), start, results))
        for _ in range(racers)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
    assert [process.exitcode for process in processes] == [0] * racers
    return [results.get(timeout=5) for _ in range(racers)]


def won_month(engine: Engine, amount: str) -> None:
    """Two partners with IBANs, three deals of ``amount`` won in January 2027 and accrued, and a
    finance approver: what a settlement of March 2027 pays."""
    from partnerflow.models import Role
    from partnerflow.registration.intake import take_in
    from tests.commissions.ledger import accrue_all, give_iban, won
    from tests.factories import NOW, POLICY, add_person, gold_partner

    with Session(engine) as session:
        first = gold_partner(session, "Azur Réseaux SAS", "contact@azur.example").id
        second = gold_partner(session, "Boréal Systèmes SARL", "contact@boreal.example").id
        add_person(session, "finance1@vendor.example", Role.FINANCE)
        session.commit()
    assert first is not None and second is not None
    for partner in (first, second):
        give_iban(engine, partner)

    def submit(raw: dict[str, Any]) -> Any:
        with Session(engine) as session:
            result = take_in(session, raw, policy=POLICY, renderer=RENDERER, now=NOW)
            session.commit()
            return result

    for customer, partner, day in (("a", first, 5), ("b", first, 6), ("c", second, 7)):
        won(engine, submit, partner, amount, date(2027, 1, day), customer)
    accrue_all(engine)
    rewarded_referral(engine)


def rewarded_referral(engine: Engine) -> None:
    """A qualified referral whose two rewards are past their hold by March 2027: the sponsor
    (IBAN on file) is paid 1,000 by transfer, the referred company 300 as a voucher."""
    from partnerflow.models import (
        Customer,
        Referral,
        ReferralReward,
        ReferralStatus,
        RewardStatus,
        SponsorInvitation,
    )
    from tests.commissions.ledger import VALID_IBAN

    with Session(engine) as session:
        sponsor = Customer(
            updated_at=WRITTEN_AT,
            customer_key="domain:parrain.example",
            name="Parrain SAS",
            email="achats@parrain.example",
            iban=VALID_IBAN,
        )
        session.add(sponsor)
        session.flush()
        invitation = SponsorInvitation(
            sent_at=WRITTEN_AT,
            customer_id=sponsor.id or 0,
            code="PARRAIN1",
            cohort="pilot",
            policy_version="t",
        )
        session.add(invitation)
        session.flush()
        referral = Referral(
            created_at=WRITTEN_AT,
            invitation_id=invitation.id or 0,
            company="Filleul SAS",
            contact_name="Claire",
            contact_email="claire@filleul.example",
            customer_key="domain:filleul.example",
            status=ReferralStatus.QUALIFIED,
        )
        session.add(referral)
        session.flush()
        for side, key, amount in (
            ("sponsor", sponsor.customer_key, "1000"),
            ("referred", referral.customer_key, "300"),
        ):
            session.add(
                ReferralReward(
                    created_at=WRITTEN_AT,
                    referral_id=referral.id or 0,
                    side=side,
                    customer_key=key,
                    amount=Decimal(amount),
                    currency="EUR",
                    status=RewardStatus.HELD,
                    payable_from=date(2027, 2, 1),
                    explanation=f"{side} reward",
                    policy_version="t",
                )
            )
        session.commit()


def approved_month(engine: Engine, period: str) -> int:
    """A month large enough to need finance, its batch opened and approved; the batch id."""
    from tests.commissions.ledger import answer, open_batch

    won_month(engine, "100000")
    batch = open_batch(engine, period)
    assert batch.id is not None
    answer(engine, batch.id, "finance1@vendor.example")
    return batch.id


def files_in(folder: Path) -> int:
    """Distinct payment files (SEPA XML) written for a period."""
    return len([path for path in folder.iterdir() if path.suffix == ".xml"]) if folder.exists() else 0
