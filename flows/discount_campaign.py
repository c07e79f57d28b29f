"""Discount campaign: the policy says who signs; each role signs on its own form; then partners hear.

``discount-campaign`` takes the request and starts one ``campaign-signoff`` run per required
role. Each of those suspends (no compute) for its role's typed form, so the roles answer in
parallel and in any order. When one rejects, the other roles' runs are woken and end. Approved
campaigns are announced by the daily ``campaign-offers`` run on their start date.
"""

from typing import Annotated

from prefect import flow
from prefect.input import RunInput
from pydantic import Field

from flows.parameters import RecordNumber, Role
from flows.results import Decided, FlowResult
from flows.runners import DecisionRounds, bounded_threads, current_run_id, decision_form, wait_for_decision
from partnerflow.approvals import DecisionOutcome
from partnerflow.approvals.form_items import ItemFields, with_items
from partnerflow.campaigns.decisions import SIGNOFF
from partnerflow.campaigns.intake import CampaignResult
from partnerflow.campaigns.offers import OffersReport
from partnerflow.campaigns.request import CampaignRequest
from partnerflow.campaigns.sla import SignOffSweep
from partnerflow.schema_hints import OPTIONAL
from partnerflow.text import MAX_ID
from tasks.campaigns import (
    open_signoff,
    publish_signoffs,
    send_campaign_offers,
    start_signoff_runs,
    sweep_campaign_signoffs,
    take_in_campaign_request,
)
from tasks.notifications import send_pending_notifications
from tasks.runs import wake_suspended_runs

SIGNER = "What every role answers on the operators' form, with the signer's code."
SignOffForm = decision_form(SIGNOFF, "SignOffForm", SIGNER)
ChannelOpsSignOff = decision_form(
    SIGNOFF,
    "ChannelOpsSignOff",
    SIGNER,
    programme_reference=(
        str,
        Field(default="", max_length=80, description="Programme or price-list reference created"),
    ),
)
SupplyChainSignOff = decision_form(
    SIGNOFF,
    "SupplyChainSignOff",
    SIGNER,
    confirmed_quantity=(
        int | None,
        Field(
            default=None,
            ge=0,
            le=MAX_ID,
            description="Quantity confirmed available (empty: the quantity requested)",
            json_schema_extra=OPTIONAL,
        ),
    ),
)


ALLOCATION = ItemFields(
    "allocation",
    Annotated[int, Field(ge=0, le=MAX_ID)],
    0,
    "Units for this département's partners; leave every box at 0 to offer the whole quantity to all",
)


FORMS: dict[str, type[RunInput]] = {"channel-ops": ChannelOpsSignOff, "supply-chain": SupplyChainSignOff}


class Requested(FlowResult):
    """A campaign request taken in (refused, rejected by policy, or waiting for its sign-offs),
    and the sign-off run started for each role that must sign, by role."""

    campaign: CampaignResult
    signoff_runs: dict[str, str] = Field(default_factory=dict)


class CampaignSla(FlowResult):
    """The sign-off clocks advanced, and the sign-off runs woken by it."""

    sweep: SignOffSweep
    woken: int


@flow(
    name="discount-campaign",
    flow_run_name="discount-campaign",
    persist_result=True,
    task_runner=bounded_threads(),
)
def discount_campaign(request: CampaignRequest) -> Requested:
    """Request a clearance campaign: checked, decided by policy, then signed off role by role.

    Args:
        request: the campaign as channel marketing asks for it.
    """
    result = take_in_campaign_request(request, current_run_id())
    if result.status != "awaiting-signoff":
        return Requested(campaign=result)
    return Requested(
        campaign=result, signoff_runs=start_signoff_runs(result.campaign_id, list(result.required_roles))
    )


@flow(
    name="campaign-signoff",
    flow_run_name="campaign-{campaign_id}-{role}",
    persist_result=True,
    task_runner=bounded_threads(),
)
def campaign_signoff(campaign_id: RecordNumber, role: Role) -> Decided:
    """One role's sign-off of one campaign (started by discount-campaign).

    Args:
        campaign_id: the campaign to sign off.
        role: channel-sales, channel-ops, supply-chain, finance...
    """
    run_id = current_run_id()
    opened = open_signoff(campaign_id, role, run_id)
    send_pending_notifications()
    form = with_items(FORMS.get(role, SignOffForm), ALLOCATION, opened.items)

    def after_each(progress: DecisionOutcome) -> None:
        publish_signoffs(campaign_id)
        if progress.wake:
            wake_suspended_runs(list(progress.wake))
        send_pending_notifications()

    signed = wait_for_decision(
        SIGNOFF, campaign_id, DecisionRounds(form, "signoff", opened.summary), after_each
    )
    return Decided(subject=campaign_id, status=signed.status)


@flow(name="campaign-offers", flow_run_name="campaign-offers", task_runner=bounded_threads())
def campaign_offers() -> OffersReport:
    """Daily: offer approved campaigns to eligible partners on their start date, remind before the end."""
    report = send_campaign_offers()
    send_pending_notifications()
    return report


@flow(name="campaign-sla", flow_run_name="campaign-sla", task_runner=bounded_threads())
def campaign_sla() -> CampaignSla:
    """Remind roles that have not signed, alert the escalation role, reject at the final timeout."""
    report = sweep_campaign_signoffs()
    woken = wake_suspended_runs(report.runs_to_wake)
    send_pending_notifications()
    return CampaignSla(sweep=report, woken=woken)
