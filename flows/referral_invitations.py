"""Inviting customers to sponsor (see partnerflow.referrals.invitations)."""

from prefect import flow, get_run_logger

from flows.results import FlowResult, Mail
from flows.runners import bounded_threads
from partnerflow.referrals.invitations import InvitationRound
from tasks.notifications import send_pending_notifications
from tasks.referrals import invite_pilot_sponsors


class Invitations(FlowResult):
    """This week's sponsor invitations: the launch gate (and why it is shut), the sponsors
    invited and their cohort, and the mail that sent."""

    round: InvitationRound
    mail: Mail


@flow(name="referral-invitations", flow_run_name="referral-invitations", task_runner=bounded_threads())
def referral_invitations() -> Invitations:
    """Weekly, or by hand: if the launch gate is open (customers happy enough, few gone quiet),
    invite the best eligible sponsors up to the pilot's size; otherwise say why nobody is."""
    invited = invite_pilot_sponsors()
    if not invited.gate.open:
        get_run_logger().warning("referral programme not launched: %s", "; ".join(invited.gate.reasons))
    return Invitations(round=invited, mail=Mail.of(send_pending_notifications()))
