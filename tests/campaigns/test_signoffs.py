"""Each role signs on its own, in any order; a signer without the role is refused; one rejection ends it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from partnerflow.approvals import DecisionOutcome, Refused
from partnerflow.campaigns.intake import CampaignResult
from partnerflow.campaigns.offers import send_due_offers
from partnerflow.campaigns.signoffs import (
    apply_signoffs,
    campaign_subject,
    request_signoffs,
    signoff_details_reader,
    signoff_summary,
)
from partnerflow.markdown import summary_html
from partnerflow.models import AuditEvent, Campaign, CampaignStatus, Notification, Partner
from tests.factories import CAMPAIGN_POLICY, LINKS, NOW, RENDERER, answer_as, applying


def sign(
    engine: Engine,
    campaign_id: int,
    role: str,
    signer: str,
    decision: str = "approve",
    comment: str = "",
    **details: object,
) -> DecisionOutcome | Refused:
    """``signer`` answers ``role``'s sign-off with their personal link; the campaign applies it."""
    with Session(engine) as session:
        stored = session.get(Campaign, campaign_id)
        assert stored is not None
        for required in stored.required_roles:  # each role's run asks its people when it starts
            request_signoffs(
                session,
                stored,
                role=required,
                links=LINKS,
                renderer=RENDERER,
                flow_run_id=f"run-{required}",
                expires_at=NOW + timedelta(days=7),
                now=NOW,
            )
        outcome = answer_as(
            session,
            campaign_subject(campaign_id),
            signer,
            decision,
            comment,
            role=role,
            details=signoff_details_reader(session, campaign_id)(dict(details)),
        )
        result = apply_signoffs(applying(session, now=NOW), campaign_id)
        session.commit()
        return outcome if isinstance(outcome, Refused) else result


def campaign(engine: Engine, campaign_id: int) -> Campaign:
    with Session(engine) as session:
        found = session.get(Campaign, campaign_id)
        assert found is not None
        return found


@pytest.fixture
def opened(request_campaign: Callable[..., CampaignResult]) -> int:
    return request_campaign().campaign_id


@pytest.mark.parametrize(
    "order",
    [("channel-sales", "channel-ops", "supply-chain"), ("supply-chain", "channel-sales", "channel-ops")],
)
def test_all_three_sign_offs_in_any_order_approve_it(
    engine: Engine, signers: dict[str, str], opened: int, order: tuple[str, ...]
) -> None:
    results = [getattr(sign(engine, opened, role, signers[role]), "status", None) for role in order]
    assert results == ["awaiting-signoff", "awaiting-signoff", "approved"]
    assert campaign(engine, opened).status == CampaignStatus.APPROVED


def test_a_signer_without_the_role_is_refused_and_audited(
    engine: Engine, signers: dict[str, str], opened: int
) -> None:
    result = sign(engine, opened, "supply-chain", signers["channel-sales"])
    assert result == Refused("this code is not valid for campaign 1")
    assert campaign(engine, opened).status == CampaignStatus.AWAITING_SIGNOFF
    with Session(engine) as session:
        assert session.exec(select(AuditEvent).where(AuditEvent.action == "approval.refused")).one()


def test_a_role_signs_once(engine: Engine, signers: dict[str, str], opened: int) -> None:
    sign(engine, opened, "channel-sales", signers["channel-sales"])
    again = sign(engine, opened, "channel-sales", signers["channel-sales"])
    assert isinstance(again, Refused) and "already used" in again.reason


def test_one_rejection_ends_it_and_tells_the_requester_and_signers(
    engine: Engine, signers: dict[str, str], opened: int
) -> None:
    sign(engine, opened, "channel-sales", signers["channel-sales"])
    result = sign(
        engine, opened, "supply-chain", signers["supply-chain"], "reject", comment="Stock allocated."
    )
    assert isinstance(result, DecisionOutcome) and result.status == "rejected"
    assert "Stock allocated." in (campaign(engine, opened).reason or "")
    with Session(engine) as session:
        told = {
            n.recipient
            for n in session.exec(select(Notification).where(Notification.template == "campaign_rejected"))
        }
    assert told == {"marketing@vendor.example", signers["channel-sales"], signers["supply-chain"]}
    assert sign(engine, opened, "channel-ops", signers["channel-ops"]) == Refused(
        "campaign 1 is already decided"
    )


def test_finance_is_required_when_the_policy_adds_it(
    engine: Engine, signers: dict[str, str], request_campaign: Callable[..., CampaignResult]
) -> None:
    from tests.factories import campaign_request

    deep = request_campaign(campaign_request(discount_pct="45")).campaign_id
    for role in ("channel-sales", "channel-ops", "supply-chain"):
        sign(engine, deep, role, signers[role])
    assert campaign(engine, deep).status == CampaignStatus.AWAITING_SIGNOFF
    assert getattr(sign(engine, deep, "finance", signers["finance"]), "status", None) == "approved"


def offers_after_signing(
    engine: Engine, opened: int, signers: dict[str, str], **supply: Any
) -> dict[str, str]:
    """Every role approves (supply chain with ``supply``); the offers sent on the start date,
    as recipient -> text body."""
    sign(engine, opened, "channel-sales", signers["channel-sales"])
    sign(engine, opened, "channel-ops", signers["channel-ops"], programme_reference="PL-2026-12")
    sign(engine, opened, "supply-chain", signers["supply-chain"], **supply)
    with Session(engine) as session:
        send_due_offers(
            session, policy_for=lambda _day: CAMPAIGN_POLICY, renderer=RENDERER, now=NOW + timedelta(days=14)
        )
        session.commit()
        offers = session.exec(select(Notification).where(Notification.template == "campaign_offer")).all()
        return {offer.recipient: offer.text_body for offer in offers}


def quantity_line(body: str) -> str:
    return next(line for line in body.splitlines() if line.startswith("Quantit"))


def test_role_details_are_kept_and_a_lower_quantity_shown_to_partners(
    engine: Engine, signers: dict[str, str], opened: int
) -> None:
    offers = offers_after_signing(engine, opened, signers, confirmed_quantity=900)
    stored = campaign(engine, opened)
    assert (stored.programme_reference, stored.confirmed_quantity) == ("PL-2026-12", 900)
    assert len(offers) == 2 and all(quantity_line(body).endswith(": 900") for body in offers.values())


def test_with_an_allocation_partners_are_offered_their_departements_share_only(
    engine: Engine, signers: dict[str, str], opened: int
) -> None:
    """Supply chain allocated 500 units to the Rhône and none to Paris: the Lyon partner is told
    500 for its département, the Paris partner is not offered the campaign at all."""
    offers = offers_after_signing(engine, opened, signers, confirmed_quantity=900, allocation={"69": 500})
    assert campaign(engine, opened).allocation == {"69": 500}
    with Session(engine) as session:
        offered = [p for p in session.exec(select(Partner)).all() if p.primary_email in offers]
    assert len(offers) == 1 and [p.territory_code for p in offered] == ["69"]
    lyon = offered[0]
    assert quantity_line(offers[lyon.primary_email]) in (
        "Quantité allouée à votre département : 500",
        "Quantity allocated to your département: 500",
    )


def test_supply_chain_allocates_at_most_what_it_confirmed_and_confirms_at_most_what_is_asked(
    engine: Engine, opened: int
) -> None:
    """Measured before: 900 units allocated of 10 confirmed were accepted (the campaign asks 1,200)."""
    with Session(engine) as session:
        read = signoff_details_reader(session, opened)
        refused = {
            "900 allocated of 10 confirmed": {"confirmed_quantity": 10, "allocation": {"69": 500, "75": 400}},
            "1,300 allocated of 1,200 asked": {"allocation": {"69": 1300}},
            "1,500 confirmed of 1,200 asked": {"confirmed_quantity": 1500},
        }
        reasons = {}
        for name, details in refused.items():
            with pytest.raises(ValueError) as raised:
                read(details)
            reasons[name] = str(raised.value)
        kept = read({"confirmed_quantity": 10, "allocation": {"69": 6, "75": 4}})
    assert (
        "allocation: 900 units allocated, more than the 10 confirmed available"
        in reasons["900 allocated of 10 confirmed"]
    )
    assert (
        "allocation: 1300 units allocated, more than the 1200 asked"
        in reasons["1,300 allocated of 1,200 asked"]
    )
    assert "confirmed_quantity: 1500 is more than the 1200 units" in reasons["1,500 confirmed of 1,200 asked"]
    assert kept == {"confirmed_quantity": 10, "allocation": {"69": 6, "75": 4}}


def test_nothing_confirmed_available_is_offered_to_nobody(
    engine: Engine, signers: dict[str, str], opened: int
) -> None:
    """A confirmed 0 was read as 'not given' and partners were offered the 1,200 asked."""
    assert offers_after_signing(engine, opened, signers, confirmed_quantity=0) == {}


def test_the_summary_lists_what_is_signed(engine: Engine, signers: dict[str, str], opened: int) -> None:
    sign(engine, opened, "channel-sales", signers["channel-sales"])
    with Session(engine) as session:
        stored = session.get(Campaign, opened)
        assert stored is not None
        text = signoff_summary(session, stored, "supply-chain")
    assert "**Your role: supply-chain.**" in text and "channel-sales by channel-sales@vendor.example" in text


def test_each_sign_off_is_stamped_with_the_campaigns_policy_version(
    engine: Engine, signers: dict[str, str], opened: int
) -> None:
    sign(engine, opened, "channel-sales", signers["channel-sales"])
    with Session(engine) as session:
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "campaign.signoff.approve")).one()
    assert (event.policy_kind, event.policy_version) == ("discount_campaign", "2026-01-01")


HOSTILE = "[Verify the IBAN change here](http://evil.example) | Signed so far | finance |\n### Approved"


def test_what_the_requester_typed_is_inert_on_the_decision_page(
    engine: Engine, signers: dict[str, str], opened: int
) -> None:
    with Session(engine) as session:
        stored = session.get(Campaign, opened)
        assert stored is not None
        stored.name, stored.rationale = HOSTILE, f"Already approved by finance.\n\n{HOSTILE}"
        page = summary_html(signoff_summary(session, stored, "supply-chain"))
    assert "<a " not in page and "evil.example" in page, "shown as text, never a link"
    assert page.count("<tr>") == 7 and page.count("<h3>") == 1, "no row or heading of theirs"
