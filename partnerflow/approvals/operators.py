"""Who runs a command that acts for the programme: a person of the team, proven by a sign-in link
mailed to their own address (``partnerflow approvals operator-link ME``), never the
operating-system user name, which whoever runs the command chooses (#30).

Relaying an answer (``approvals decide --on-behalf-of``), naming a département's channel manager,
asking for a partner's removal, reactivating a reseller and managing keys and contacts all go
through :func:`proven_operator`, most through :func:`operator_or_refusal`, which audits a refusal
in the caller's transaction (committed even when the command then exits 1).
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from partnerflow.approvals.inbox import use_sign_in
from partnerflow.approvals.keys import Keys
from partnerflow.audit import record_event
from partnerflow.models import Person, Role

SIGN_IN_PATH = "/signin/"


def link_token(link: str) -> str:
    """The token of a sign-in link, pasted whole (``https://…/signin/<token>``) or as the token."""
    return link.strip().rsplit(SIGN_IN_PATH, 1)[-1]


def proven_operator(
    session: Session, keys: Keys, link: str, *, now: datetime, roles: frozenset[Role] = frozenset()
) -> Person | str:
    """The active person whose unused sign-in link ``link`` is (the link is used up), holding one
    of ``roles`` when given; else why not, for the operator."""
    signed = use_sign_in(session, keys, link_token(link), now=now)
    if isinstance(signed, str):
        return f"--operator-link: {signed}"
    if roles and not signed.person.roles & roles:
        wanted = ", ".join(sorted(roles))
        return f"{signed.person.email} may not do this: it takes one of the roles {wanted}"
    return signed.person


def operator_or_refusal(
    session: Session,
    keys: Keys,
    link: str,
    *,
    now: datetime,
    command: str,
    subject: tuple[str, str | int],
    roles: frozenset[Role] = frozenset(),
) -> Person | str:
    """:func:`proven_operator`, the refusal audited on ``subject`` (type, id) for ``command``:
    what every command acting for the programme does first."""
    operator = proven_operator(session, keys, link, now=now, roles=roles)
    if isinstance(operator, str):
        subject_type, subject_id = subject
        refuse_operator(session, command, subject_type, subject_id, operator, now=now)
    return operator


def refuse_operator(
    session: Session, action: str, subject_type: str, subject_id: str | int, reason: str, *, now: datetime
) -> None:
    """Audit a command refused for want of a proven operator (``operator.refused``)."""
    record_event(
        session,
        now=now,
        actor="operator:unproven",
        action="operator.refused",
        subject_type=subject_type,
        subject_id=subject_id,
        details={"command": action, "reason": reason},
    )
