"""The discount-campaign part of the demo: three sign-offs answered, offers sent."""

from __future__ import annotations

from datetime import timedelta

from rich.table import Table
from sqlmodel import Session, col, select

from demo.deals import answer_from_email, wait_for_state
from partnerflow.cli.output import console
from partnerflow.context import context
from partnerflow.db import get_engine
from partnerflow.models import Campaign, Person, PersonRole, Role, SignOff
from partnerflow.orchestration.serving import served_in_thread


def run_campaign_demo() -> None:
    """Request a clearance campaign starting today, sign it off role by role, send the offers."""
    from flows.discount_campaign import campaign_offers, campaign_signoff, discount_campaign
    from partnerflow.campaigns.request import CampaignRequest

    today = context().clock.today()
    request = CampaignRequest.model_validate(
        {
            "name": "Switches 24 ports — fin de série",
            "product_line": "network",
            "skus": ["SW-24P-POE", "SW-24P"],
            "discount_pct": "25",
            "starts_on": today.isoformat(),
            "ends_on": (today + timedelta(days=30)).isoformat(),
            "quantity": 1200,
            "stock_value": "180000",
            "tiers": ["silver", "gold", "platinum"],
            "requester_email": signer(Role.CHANNEL_SALES),
            "rationale": "End of life of the 24-port range; 1,200 units in the Lyon warehouse.",
        }
    )
    with served_in_thread(campaign_signoff, name="partnerflow-demo-campaign"):
        result = discount_campaign(request)
        runs = result.signoff_runs
        console.print(f"campaign #{result.campaign.campaign_id}: sign-offs needed from {', '.join(runs)}")
        answers: dict[str, dict[str, str]] = {
            "supply-chain": {
                "confirmed_quantity": "1000",
                "comment": "1,000 units confirmed; 200 kept for support swaps.",
            },
            "channel-sales": {"comment": "Good fit for the spring SMB push."},
            "channel-ops": {"programme_reference": "PL-CLEAR-SW24", "comment": "Price list published."},
        }
        for role, extra in answers.items():
            answer_from_email(runs[role], "signoff-1", signer(Role(role)), **extra)
        for run_id in runs.values():
            wait_for_state(run_id, lambda state: state.is_final())
    offers = campaign_offers()
    console.print(f"campaign-offers: {offers.offers_queued} offer(s) queued and sent")
    _print(result.campaign.campaign_id)


def signer(role: Role) -> str:
    with Session(get_engine()) as session:
        return (
            session.exec(
                select(Person.email).join(PersonRole).where(PersonRole.role == role).order_by(col(Person.id))
            ).first()
            or ""
        )


def _print(campaign_id: int) -> None:
    with Session(get_engine()) as session:
        campaign = session.get(Campaign, campaign_id)
        assert campaign is not None
        signoffs = list(session.exec(select(SignOff).where(SignOff.campaign_id == campaign_id)))
    table = Table(title=f"Campaign #{campaign_id}: {campaign.status.value}")
    for column in ("role", "signer", "details"):
        table.add_column(column)
    for signoff in signoffs:
        table.add_row(
            signoff.role, signoff.signer_email, ", ".join(f"{k}={v}" for k, v in signoff.details.items())
        )
    console.print(table)
