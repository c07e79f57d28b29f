"""Where people answer: personal links to the approval page, and the operators' Prefect UI."""

from __future__ import annotations

from dataclasses import dataclass

from partnerflow.approvals.keys import Keys, LinkClaim, keys_for
from partnerflow.models import ApprovalGrant
from partnerflow.settings import Settings


@dataclass(frozen=True)
class Links:
    """The installation's keys and addresses, as every e-mail asking for a decision needs them."""

    keys: Keys
    web_url: str
    ui_url: str

    def personal(self, grant: ApprovalGrant) -> str:
        """A grant's link (the same every time: reminders repeat it; the code is mailed once)."""
        return self.personal_link(claim_of(grant))

    def personal_link(self, claim: LinkClaim) -> str:
        return f"{self.web_url.rstrip('/')}/approve/{self.keys.link_token(claim)}"

    def survey(self, invitation_id: int) -> str:
        """A partner contact's personal link to the anonymous survey page."""
        return f"{self.web_url.rstrip('/')}/survey/{self.keys.survey_token(invitation_id)}"

    def exit_survey(self, invitation_id: int) -> str:
        """A leaving partner's link to the exit survey page."""
        return f"{self.web_url.rstrip('/')}/exit/{self.keys.exit_token(invitation_id)}"

    def referral(self, invitation_id: int) -> str:
        """A sponsor's referral link (the page the referred company fills in)."""
        return f"{self.web_url.rstrip('/')}/refer/{self.keys.referral_token(invitation_id)}"

    def lead(self, turn_id: int, contact_id: int) -> str:
        """A reseller contact's personal link to the page of a lead its reseller was offered."""
        return f"{self.web_url.rstrip('/')}/lead/{self.keys.lead_token(turn_id, contact_id)}"

    def sign_in(self, link_id: int, nonce: str) -> str:
        """A magic link to the inbox (single use, short-lived: see ``approvals.inbox``)."""
        return f"{self.web_url.rstrip('/')}/signin/{self.keys.sign_in_token(link_id, nonce)}"

    def portal_sign_in(self, link_id: int, nonce: str) -> str:
        """A magic link to the partner portal (the same kind of link, for a partner's contact)."""
        return f"{self.web_url.rstrip('/')}/portal/signin/{self.keys.sign_in_token(link_id, nonce)}"

    def portal(self) -> str:
        return f"{self.web_url.rstrip('/')}/portal"

    def report(self, name: str) -> str:
        """A signed link to the report file ``name`` (served by the web app, see ``web.reports``)."""
        return f"{self.web_url.rstrip('/')}/reports/{self.keys.report_token(name)}"

    def inbox(self) -> str:
        return f"{self.web_url.rstrip('/')}/inbox"

    def operator(self, flow_run_id: str | None) -> str:
        """The waiting run in the Prefect UI, whose Resume form takes the code."""
        return f"{self.ui_url}/runs/flow-run/{flow_run_id}" if flow_run_id else self.ui_url


def claim_of(grant: ApprovalGrant) -> LinkClaim:
    """What a grant's personal link is signed over."""
    assert grant.id is not None
    return LinkClaim(grant.id, grant.person_id, grant.request_id)


def links_for(settings: Settings) -> Links:
    return Links(keys_for(settings), settings.web_url, settings.prefect_ui_url)
