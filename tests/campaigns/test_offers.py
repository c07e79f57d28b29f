"""Offers go out on the start date, a reminder before the end, never twice, then the campaign ends."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session, func, select

from partnerflow.campaigns.intake import CampaignResult
from partnerflow.campaigns.offers import OffersReport, send_due_offers
from partnerflow.campaigns.signoffs import apply_signoffs, campaign_subject, request_signoffs
from partnerflow.models import Campaign, CampaignStatus, Notification
from tests.factories import CAMPAIGN_POLICY, LINKS, NOW, RENDERER, answer_as, applying

START = NOW.date() + timedelta(days=14)


def approve_all(engine: Engine, campaign_id: int, signers: dict[str, str]) -> None:
    with Session(engine) as session:
        stored = session.get(Campaign, campaign_id)
        assert stored is not None
        for role in ("channel-sales", "channel-ops", "supply-chain"):
            request_signoffs(
                session,
                stored,
                role=role,
                links=LINKS,
                renderer=RENDERER,
                flow_run_id="run",
                expires_at=NOW + timedelta(days=7),
                now=NOW,
            )
            answer_as(session, campaign_subject(campaign_id), signers[role], "approve", role=role)
        apply_signoffs(applying(session, now=NOW), campaign_id)
        session.commit()


def run_on(engine: Engine, day: date) -> OffersReport:
    with Session(engine) as session:
        report = send_due_offers(
            session,
            policy_for=lambda _day: CAMPAIGN_POLICY,
            renderer=RENDERER,
            now=datetime.combine(day, NOW.timetz()),
        )
        session.commit()
        return report


def count(engine: Engine, template: str) -> int:
    with Session(engine) as session:
        return session.exec(
            select(func.count()).select_from(Notification).where(Notification.template == template)
        ).one()


def test_nothing_is_sent_before_the_start_date(
    engine: Engine, signers: dict[str, str], request_campaign: Callable[..., CampaignResult]
) -> None:
    approve_all(engine, request_campaign().campaign_id, signers)
    assert run_on(engine, START - timedelta(days=1)) == OffersReport()


def test_offers_go_to_eligible_partners_on_the_start_date_once(
    engine: Engine, signers: dict[str, str], request_campaign: Callable[..., CampaignResult]
) -> None:
    campaign_id = request_campaign().campaign_id
    approve_all(engine, campaign_id, signers)
    report = run_on(engine, START)
    assert report.announced == [campaign_id] and report.offers_queued == 2
    assert report.preview[campaign_id] == {
        "territory:69": 1,
        "territory:75": 1,
        "tier:gold": 1,
        "tier:silver": 1,
    }
    run_on(engine, START + timedelta(days=1))
    assert count(engine, "campaign_offer") == 2


def test_a_campaign_awaiting_sign_off_is_never_announced(
    engine: Engine, signers: dict[str, str], request_campaign: Callable[..., CampaignResult]
) -> None:
    request_campaign()
    assert run_on(engine, START + timedelta(days=5)).announced == []


def test_a_reminder_before_the_end_then_the_campaign_ends(
    engine: Engine, signers: dict[str, str], request_campaign: Callable[..., CampaignResult]
) -> None:
    campaign_id = request_campaign().campaign_id
    approve_all(engine, campaign_id, signers)
    run_on(engine, START)
    end = START + timedelta(days=30)
    assert run_on(engine, end - timedelta(days=4)).reminded == []
    assert run_on(engine, end - timedelta(days=3)).reminded == [campaign_id]
    assert run_on(engine, end - timedelta(days=2)).reminded == []
    assert count(engine, "campaign_reminder") == 2
    assert run_on(engine, end + timedelta(days=1)).ended == [campaign_id]
    with Session(engine) as session:
        assert session.get(Campaign, campaign_id).status == CampaignStatus.ENDED  # type: ignore[union-attr]
