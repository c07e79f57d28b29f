"""The sign-off clock, with time controlled: remind pending roles, alert the director, then reject."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from partnerflow.approvals import Refused
from partnerflow.campaigns.intake import CampaignResult, take_in_campaign
from partnerflow.campaigns.signoffs import apply_signoffs, campaign_subject, request_signoffs
from partnerflow.campaigns.sla import SignOffSweep, sweep_signoffs
from partnerflow.models import Campaign, CampaignStatus, Notification, Role
from partnerflow.policy import load_file
from partnerflow.settings import PROJECT_ROOT
from tests.factories import (
    LINKS,
    NOW,
    RENDERER,
    add_person,
    answer_as,
    applying,
    campaign_request,
    delivered_text,
)

WITH_SLA = load_file(PROJECT_ROOT / "policies" / "discount_campaign" / "2026-12-01.yaml")


def sweep(engine: Engine, after: timedelta) -> SignOffSweep:
    with Session(engine) as session:
        report = sweep_signoffs(
            session, policy_for=lambda _day: WITH_SLA, renderer=RENDERER, links=LINKS, now=NOW + after
        )
        session.commit()
        return report


def overdue_mails(engine: Engine) -> list[str]:
    with Session(engine) as session:
        return sorted(
            n.recipient
            for n in session.exec(
                select(Notification).where(Notification.template == "campaign_signoff_overdue")
            )
        )


@pytest.fixture
def opened(engine: Engine, signers: dict[str, str]) -> Callable[[], int]:
    def _open() -> int:
        with Session(engine) as session:
            add_person(session, "director@vendor.example", Role.CHANNEL_DIRECTOR)
            result: CampaignResult = take_in_campaign(session, campaign_request(), policy=WITH_SLA, now=NOW)
            campaign = session.get(Campaign, result.campaign_id)
            assert campaign is not None
            campaign.signoff_runs = {"channel-ops": "run-ops", "supply-chain": "run-supply"}
            session.add(campaign)
            for role in campaign.required_roles:
                request_signoffs(
                    session,
                    campaign,
                    role=role,
                    links=LINKS,
                    renderer=RENDERER,
                    flow_run_id=campaign.signoff_runs.get(role, "run-sales"),
                    expires_at=NOW + timedelta(days=7),
                    now=NOW,
                )
            subject = campaign_subject(result.campaign_id)
            answer_as(session, subject, signers["channel-sales"], "approve", role="channel-sales")
            apply_signoffs(applying(session, now=NOW), result.campaign_id)
            session.commit()
            return result.campaign_id

    return _open


def test_pending_roles_are_reminded_once_after_remind_after(
    engine: Engine, opened: Callable[[], int]
) -> None:
    campaign_id = opened()
    assert sweep(engine, timedelta(hours=47)) == SignOffSweep()
    assert sweep(engine, timedelta(hours=49)).reminded == [campaign_id]
    assert sweep(engine, timedelta(hours=50)).reminded == []
    assert overdue_mails(engine) == ["channel-ops@vendor.example", "supply-chain@vendor.example"]
    with Session(engine) as session:
        reminder = session.exec(
            select(Notification).where(Notification.template == "campaign_signoff_overdue")
        ).first()
    assert reminder is not None and f"{LINKS.web_url}/approve/" in delivered_text(reminder), (
        "their own link again"
    )


def test_the_escalation_role_is_alerted_after_escalate_after(
    engine: Engine, opened: Callable[[], int]
) -> None:
    campaign_id = opened()
    assert sweep(engine, timedelta(days=4, hours=1)).escalated == [campaign_id]
    assert overdue_mails(engine) == [
        "director@vendor.example",
        "director@vendor.example",
    ]  # one per pending role


def test_at_the_final_timeout_the_campaign_is_rejected_and_the_waiting_runs_woken(
    engine: Engine, opened: Callable[[], int]
) -> None:
    campaign_id = opened()
    report = sweep(engine, timedelta(days=7, minutes=1))
    assert report.timed_out == [campaign_id] and sorted(report.runs_to_wake) == ["run-ops", "run-supply"]
    with Session(engine) as session:
        campaign = session.get(Campaign, campaign_id)
    assert campaign is not None and campaign.status == CampaignStatus.REJECTED
    assert campaign.reason == "No sign-off from channel-ops, supply-chain within 7 days."
    with Session(engine) as session:
        late = answer_as(session, campaign_subject(campaign_id), "supply-chain@vendor.example", "approve")
    assert late == Refused(f"campaign {campaign_id} is already decided"), "its links stopped working"


def test_a_policy_without_a_clock_never_times_out(
    engine: Engine, signers: dict[str, str], request_campaign: Callable[..., CampaignResult]
) -> None:
    request_campaign()  # the 2026-01-01 policy has no signoff_sla
    with Session(engine) as session:
        from tests.factories import CAMPAIGN_POLICY

        report = sweep_signoffs(
            session,
            policy_for=lambda _day: CAMPAIGN_POLICY,
            renderer=RENDERER,
            links=LINKS,
            now=NOW + timedelta(days=60),
        )
    assert report == SignOffSweep()
