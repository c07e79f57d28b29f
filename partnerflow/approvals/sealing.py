"""The credentials partnerflow mails, as the outbox stores them: sealed, made again at delivery.

Each function below gives the :class:`~partnerflow.notify.Sealed` value a template context
carries in a credential's place; :func:`unsealer` gives the sender the one function that makes
any of them with this installation's key (see ``notify.sealing`` for why).
"""

from __future__ import annotations

from partnerflow.approvals.keys import LinkClaim
from partnerflow.approvals.links import Links
from partnerflow.notify import Sealed, Unseal


def approval_link(claim: LinkClaim) -> Sealed:
    """A person's link to the approval page for one grant."""
    return Sealed("approval-link", (claim.grant_id, claim.person_id, claim.request_id))


def approval_code(request_id: int, person_id: int) -> Sealed:
    """The code mailed with that link, for the Prefect form and the CLI."""
    return Sealed("approval-code", (request_id, person_id))


def sign_in_link(link_id: int) -> Sealed:
    return Sealed("sign-in", (link_id,))


def portal_sign_in_link(link_id: int) -> Sealed:
    return Sealed("portal-sign-in", (link_id,))


def survey_link(invitation_id: int) -> Sealed:
    return Sealed("survey", (invitation_id,))


def exit_survey_link(invitation_id: int) -> Sealed:
    return Sealed("exit-survey", (invitation_id,))


def referral_link(invitation_id: int) -> Sealed:
    return Sealed("referral", (invitation_id,))


def lead_link(turn_id: int, contact_id: int) -> Sealed:
    return Sealed("lead", (turn_id, contact_id))


def unsealer(links: Links) -> Unseal:
    """What the sender calls to make each sealed credential, signed with ``links``' key."""

    def unseal(kind: str, ids: tuple[int, ...]) -> str:
        match kind, ids:
            case "approval-link", (grant_id, person_id, request_id):
                return links.personal_link(LinkClaim(grant_id, person_id, request_id))
            case "approval-code", (request_id, person_id):
                return links.keys.grant_code(request_id, person_id)
            case "sign-in", (link_id,):
                return links.sign_in(link_id, links.keys.sign_in_nonce(link_id))
            case "portal-sign-in", (link_id,):
                return links.portal_sign_in(link_id, links.keys.sign_in_nonce(link_id))
            case "survey", (invitation_id,):
                return links.survey(invitation_id)
            case "exit-survey", (invitation_id,):
                return links.exit_survey(invitation_id)
            case "referral", (invitation_id,):
                return links.referral(invitation_id)
            case "lead", (turn_id, contact_id):
                return links.lead(turn_id, contact_id)
        raise LookupError(f"no credential of kind {kind!r} with {len(ids)} ids")

    return unseal
