"""``partnerflow partners reactivate``: a channel manager, proven by their own link, makes a
paused reseller active again; its pause stays in the history with the day it returned; anyone
else, or an active partner, is refused in one line, audited."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner

from partnerflow.cli import app
from partnerflow.models import (
    AuditEvent,
    ExitKind,
    ExitSource,
    Partner,
    PartnerExit,
    PartnerStatus,
    Role,
)
from tests.factories import NOW
from tests.test_api_key_cli import link_of

runner = CliRunner()


def paused(engine: Engine, partner_id: int) -> None:
    with Session(engine) as session:
        session.get_one(Partner, partner_id).status = PartnerStatus.PAUSED
        session.add(
            PartnerExit(
                partner_id=partner_id,
                left_on=date(2026, 1, 15),
                kind=ExitKind.PAUSED,
                source=ExitSource.REBALANCING,
                rule_id="too-few-leads",
                recorded_at=NOW,
            )
        )
        session.commit()


def test_a_channel_manager_brings_a_paused_reseller_back_and_its_pause_stays_in_history(
    engine: Engine, network: dict[str, int]
) -> None:
    partner = network["first"]
    paused(engine, partner)
    ops = link_of(engine, "ops@vendor.example", Role.CHANNEL_OPS)
    refused = runner.invoke(
        app, ["partners", "reactivate", str(partner), "--reason", "new team", "--operator-link", ops]
    )
    assert refused.exit_code == 1 and "refused" in refused.output
    manager = link_of(engine, "manager-2@vendor.example", Role.CHANNEL_MANAGER)
    done = runner.invoke(
        app,
        [
            "partners",
            "reactivate",
            str(partner),
            "--reason",
            "Paused for 5 leads: our shortfall",
            "--operator-link",
            manager,
        ],
    )
    assert done.exit_code == 0, done.output
    again_link = link_of(engine, "manager-3@vendor.example", Role.CHANNEL_MANAGER)
    again = runner.invoke(
        app, ["partners", "reactivate", str(partner), "--reason", "twice", "--operator-link", again_link]
    )
    assert again.exit_code == 2 and "is active: only a paused one returns" in again.output
    with Session(engine) as session:
        assert session.get_one(Partner, partner).status is PartnerStatus.ACTIVE
        exit_ = session.exec(select(PartnerExit)).one()
        events = {event.action: event for event in session.exec(select(AuditEvent))}
    assert (exit_.left_on, exit_.returned_on) == (date(2026, 1, 15), NOW.date())
    assert events["partner.reactivated"].actor == "operator:manager-2@vendor.example"
    assert events["operator.refused"].subject_id == str(partner)  # the ops person's try
