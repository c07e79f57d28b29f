"""The audit trail as a hash chain, sealed with the key: tampering is detected, and named.

Someone who can write the database can change or delete an audit event, or insert one (the ORM
refuses updates, SQL does not). The ``audit-seal`` run (every 10 minutes) takes the events not
sealed yet, oldest first, and chains them: each event's hash covers the previous one and all of
its columns (``AuditLink``); the chain's head after the last event is stored with the key's MAC
(``AuditSeal``). ``partnerflow audit verify`` (and each seal run) recomputes the chain from the
first event and names the first row that differs: an event altered, deleted, or inserted among
sealed ones, or a seal whose MAC fails (the links were rewritten to match). What it cannot see:
events newer than the last seal (at most ``SETTLE`` plus one run old), and a database rolled
back whole to an earlier, consistent state.

Events are sealed once they are ``SETTLE`` old: a transaction that wrote an event with a lower id
and commits later would otherwise look like an insertion.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, col, select

from partnerflow.approvals.keys import Keys
from partnerflow.models import AuditEvent, AuditLink, AuditSeal

SETTLE = timedelta(minutes=15)
GENESIS = "0" * 64
BATCH = 5000


@dataclass(frozen=True)
class SealReport:
    sealed: int
    last_event_id: int


def seal(session: Session, keys: Keys, *, now: datetime) -> SealReport:
    """Chain the events not sealed yet that are ``SETTLE`` old, and store a seal over the head."""
    last = session.exec(select(AuditSeal).order_by(col(AuditSeal.id).desc())).first()
    head, last_id = (last.chain_hash, last.last_event_id) if last else (GENESIS, 0)
    sealed = 0
    for event in _events(session, after=last_id):
        assert event.id is not None
        if event.occurred_at >= now - SETTLE:  # in id order: the rest waits for the next run
            break
        head = _link(head, event)
        session.add(AuditLink(event_id=event.id, chain_hash=head))
        last_id, sealed = event.id, sealed + 1
    if sealed:
        mac = keys.audit_seal_mac(last_id, head)
        session.add(AuditSeal(last_event_id=last_id, chain_hash=head, mac=mac, sealed_at=now))
    return SealReport(sealed, last_id)


def verify(session: Session, keys: Keys) -> list[str]:
    """What is wrong with the sealed trail, one line each naming the row; [] when it holds."""
    seals = list(session.exec(select(AuditSeal).order_by(col(AuditSeal.last_event_id))))
    problems = [
        f"audit seal {found.id} (up to event {found.last_event_id}): its MAC does not verify"
        for found in seals
        if not hmac.compare_digest(found.mac, keys.audit_seal_mac(found.last_event_id, found.chain_hash))
    ]
    if not seals:
        return problems
    sealed_up_to = seals[-1].last_event_id
    heads = {found.last_event_id: found.chain_hash for found in seals}
    links = dict(session.exec(select(AuditLink.event_id, AuditLink.chain_hash)).all())
    head, seen = GENESIS, set()
    for event in _events(session, after=0, up_to=sealed_up_to):
        assert event.id is not None
        seen.add(event.id)
        if event.id not in links:
            return [*problems, f"audit event {event.id}: inserted among sealed events"]
        head = _link(head, event)
        if head != links[event.id]:
            return [*problems, f"audit event {event.id}: changed after it was sealed"]
        if event.id in heads and heads[event.id] != head:
            return [*problems, f"audit seal up to event {event.id}: the chain does not reach it"]
    missing = sorted(set(links) - seen)
    if missing:
        problems.append(f"audit event {missing[0]}: deleted after it was sealed")
    return problems


def _events(session: Session, *, after: int, up_to: int | None = None) -> Iterator[AuditEvent]:
    """Events after ``after`` (up to ``up_to``) in id order, read by batches."""
    while True:
        query = select(AuditEvent).where(col(AuditEvent.id) > after)
        if up_to is not None:
            query = query.where(col(AuditEvent.id) <= up_to)
        batch = list(session.exec(query.order_by(col(AuditEvent.id)).limit(BATCH)))
        yield from batch
        if len(batch) < BATCH:
            return
        after = batch[-1].id or after


def _link(previous: str, event: AuditEvent) -> str:
    facts = [
        event.id,
        event.occurred_at.astimezone(UTC).isoformat(),
        event.actor,
        event.action,
        event.subject_type,
        event.subject_id,
        event.policy_kind,
        event.policy_version,
        event.policy_sha256,
        event.rule_id,
        event.details,
    ]
    canonical = json.dumps(facts, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{previous}\n{canonical}".encode()).hexdigest()
