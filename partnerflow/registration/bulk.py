"""Many submissions taken in at once, with the decisions ``take_in`` makes one by one.

A file of 100,000 rows cannot afford ten statements and an ORM object per row. Here a chunk is
read once (its partners, their history, the registrations and protection claims of its
customers, the external ids already used), every row is decided in order in memory with the
same pure pieces ``take_in`` uses (``parse_submission``, ``check_submission``,
``strongest_conflict``, ``deal_facts``, the policy), so a row sees the rows before it exactly as
it would in the database, and the chunk is written in a few multi-row statements inside one
savepoint. If another writer got in the way (an external id or a protection claimed meanwhile),
the savepoint is rolled back and the chunk is taken in row by row by ``take_in``: the same
answers, only slower.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, insert, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from partnerflow.audit import event_row, record_events
from partnerflow.clock import programme_date
from partnerflow.contacts import contacts_by_territory, lookup
from partnerflow.models import Partner, ProtectionClaim, Registration, RegistrationStatus
from partnerflow.notify import TemplateRenderer
from partnerflow.notify.outbox import store_messages
from partnerflow.policy import DealAction, DealRegistrationPolicy, Decision, Policy
from partnerflow.registration.facts import (
    CONFLICT_STATUSES,
    deal_facts,
    history_of,
    partner_status_counts,
    strongest_conflict,
)
from partnerflow.registration.intake import (
    SYSTEM_ACTOR,
    IntakeResult,
    protection_refused,
    refusal_values,
    registration_values,
    stored_result,
    take_in,
)
from partnerflow.registration.notices import partner_message, publish_decided
from partnerflow.registration.submission import DealSubmission, Refusal, check_submission, parse_submission
from partnerflow.text import record_id
from partnerflow.webhooks import listeners

Decide = Callable[[dict[str, Any]], Decision[DealAction]]


@dataclass
class _Taken:
    """One registration of the chunk as it is being decided: what conflict detection and the
    e-mails read, and the columns written at the end."""

    values: dict[str, Any]
    partner: Partner | None
    submission: DealSubmission | None = None
    id: int | None = None
    decision: Decision[DealAction] | None = None
    changes: dict[str, Any] = field(default_factory=dict)

    @property
    def partner_id(self) -> int | None:
        return self.partner.id if self.partner else None

    def __getattr__(self, name: str) -> Any:  # the registration's columns, current value first
        values = self.__dict__.get("values", {})
        changes = self.__dict__.get("changes", {})
        if name in changes:
            return changes[name]
        if name in values:
            return values[name]
        raise AttributeError(name)


@dataclass
class _Known:
    """What the database holds that the chunk's decisions read, loaded once per chunk."""

    by_customer: dict[str, list[Any]]
    claims: dict[tuple[str, str], int]
    holders: dict[int, Any]
    counts: dict[int, dict[str, int]]


def take_in_many(
    session: Session,
    raws: list[dict[str, Any]],
    *,
    policy: Policy[DealRegistrationPolicy],
    renderer: TemplateRenderer,
    now: datetime,
    decide: Decide | None = None,
) -> list[IntakeResult]:
    """Take in ``raws`` in order, one result per row, as ``take_in`` would row by row.

    Args:
        decide: the policy's memoized decide, shared between chunks of one file.
    """
    try:
        with session.begin_nested():
            return _take_in_chunk(session, raws, policy, decide or policy.memoized(), renderer, now)
    except IntegrityError:  # another writer claimed a customer or an external id meanwhile
        return [take_in(session, raw, policy=policy, renderer=renderer, now=now) for raw in raws]


def _take_in_chunk(
    session: Session,
    raws: list[dict[str, Any]],
    policy: Policy[DealRegistrationPolicy],
    decide: Decide,
    renderer: TemplateRenderer,
    now: datetime,
) -> list[IntakeResult]:
    today = programme_date(now)
    partner_ids = [record_id(raw.get("partner_id")) for raw in raws]
    partners = {
        p.id: p
        for p in session.exec(select(Partner).where(col(Partner.id).in_({i for i in partner_ids if i})))
    }
    taken: list[_Taken] = []
    same_as: dict[int, int] = {}  # row -> the earlier row of the file with its external id
    by_reference: dict[tuple[int, str], int] = {}
    for index, (raw, number) in enumerate(zip(raws, partner_ids, strict=True)):
        partner = partners.get(number) if number is not None else None
        parsed = parse_submission(raw)
        problems = (
            parsed.problems
            if isinstance(parsed, Refusal)
            else tuple(check_submission(parsed, today=today, partner_known=partner is not None))
        )
        if problems or partner is None or isinstance(parsed, Refusal):
            taken.append(_Taken(refusal_values(raw, partner, problems, now), partner))
            continue
        if parsed.external_id is not None and partner.id is not None:
            reference = (partner.id, parsed.external_id)
            if reference in by_reference:
                same_as[index] = by_reference[reference]
                taken.append(_Taken({}, partner))
                continue
            by_reference[reference] = index
        taken.append(_Taken(registration_values(parsed, partner, now), partner, parsed))
    earlier = _submitted_before(session, by_reference)
    new = [t for i, t in enumerate(taken) if t.values and i not in same_as and _reference(t) not in earlier]
    _insert(session, new)
    known = _known(session, new)
    for row in new:
        if row.submission is not None:
            _decide(row, known, policy, decide, today, now)
    _write(session, new, renderer, now)
    results: list[IntakeResult] = []
    for index, row in enumerate(taken):
        source = taken[same_as[index]] if index in same_as else row
        results.append(earlier.get(_reference(source)) or _result(source))
    return results


def _reference(row: _Taken) -> tuple[int, str] | None:
    if row.submission is None or row.submission.external_id is None or row.partner_id is None:
        return None
    return (row.partner_id, row.submission.external_id)


def _submitted_before(
    session: Session, references: dict[tuple[int, str], int]
) -> dict[tuple[int, str] | None, IntakeResult]:
    """The results of rows with these (partner, external id) submitted by an earlier file."""
    if not references:
        return {}
    found = session.exec(
        select(Registration)
        .where(col(Registration.partner_id).in_({partner for partner, _ in references}))
        .where(col(Registration.external_id).in_({reference for _, reference in references}))
    ).all()
    return {
        (r.partner_id, r.external_id): stored_result(r)
        for r in found
        if r.partner_id is not None
        and r.external_id is not None
        and (r.partner_id, r.external_id) in references
    }


def _insert(session: Session, rows: list[_Taken]) -> None:
    """Insert the chunk's registrations in one statement; ids come back in row order."""
    if not rows:
        return
    table = Registration.__table__  # type: ignore[attr-defined]
    defaults = {
        name: info.get_default(call_default_factory=True)
        for name, info in Registration.model_fields.items()
        if name != "id" and not info.is_required()
    }
    for row in rows:
        row.values = {**defaults, **row.values}
    values = [row.values for row in rows]
    statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    for row, (new_id,) in zip(rows, session.connection().execute(statement, values), strict=True):
        row.id = new_id


def _known(session: Session, rows: list[_Taken]) -> _Known:
    keys = {row.customer_key for row in rows if row.submission is not None}
    new_ids = {row.id for row in rows}
    by_customer: dict[str, list[Any]] = {key: [] for key in keys}
    for stored in session.exec(
        select(Registration)
        .where(col(Registration.customer_key).in_(keys))
        .where(col(Registration.status).in_(CONFLICT_STATUSES))
        .order_by(col(Registration.submitted_at), col(Registration.id))
    ):
        if stored.id not in new_ids:
            by_customer[stored.customer_key].append(stored)
    claims = {
        (claim.customer_key, claim.product_line): claim.registration_id
        for claim in session.exec(select(ProtectionClaim).where(col(ProtectionClaim.customer_key).in_(keys)))
    }
    holders: dict[int, Any] = {
        holder.id: holder
        for holder in session.exec(select(Registration).where(col(Registration.id).in_(set(claims.values()))))
        if holder.id is not None
    }
    partners = {row.partner_id for row in rows if row.partner_id is not None}
    return _Known(by_customer, claims, holders, partner_status_counts(session, partners))


def _decide(
    row: _Taken,
    known: _Known,
    policy: Policy[DealRegistrationPolicy],
    decide: Decide,
    today: date,
    now: datetime,
) -> None:
    """The decision ``intake.decide`` takes, on the chunk's state in memory."""
    submission, partner, partner_id = row.submission, row.partner, row.partner_id
    assert submission is not None and partner is not None and partner_id is not None
    same_customer = known.by_customer[row.customer_key]
    same_customer.append(row)

    def evaluate() -> Decision[DealAction]:
        conflict = strongest_conflict(
            same_customer,
            product_lines=row.product_lines,
            partner_id=partner_id,
            today=today,
            exclude_id=row.id,
        )
        history = history_of(known.counts.get(partner_id, {}))
        row.changes["facts"] = deal_facts(
            submission, partner, conflict=conflict, history=history, today=today
        )
        return decide(row.changes["facts"])

    decision = evaluate()
    claimed = [(row.customer_key, line) for line in row.product_lines]
    if decision.outcome == "approve" and any(claim in known.claims for claim in claimed):
        decision = evaluate()
        if decision.outcome == "approve":
            holders = [known.holders[known.claims[c]] for c in claimed if c in known.claims]
            decision = protection_refused(
                decision, next((h for h in holders if h.partner_id == partner_id), None)
            )
    row.decision = decision
    row.changes.update(
        outcome=decision.outcome,
        rule_id=decision.rule_id,
        reason=decision.reason,
        reason_texts=decision.reasons,
        policy_version=decision.stamp.version,
        policy_sha256=decision.stamp.sha256,
    )
    if decision.outcome == "approve":
        for claim in claimed:
            known.claims[claim] = row.id or 0
        known.holders[row.id or 0] = row
        counts = known.counts.setdefault(partner_id, {})
        counts[RegistrationStatus.APPROVED.value] = counts.get(RegistrationStatus.APPROVED.value, 0) + 1
        row.changes.update(
            status=RegistrationStatus.APPROVED,
            decided_at=now,
            approved_at=now,
            protection_ends_on=today + timedelta(days=policy.document.protection.days),
        )
    elif decision.outcome == "reject":
        row.changes.update(status=RegistrationStatus.REJECTED, decided_at=now)
    else:
        review = decision.action.review_requirement
        row.changes.update(
            review_level=review.level.value,
            approvers_required=review.approvers_required,
            review_requested_at=now,
        )


_EVENTS = {"approve": "approved", "reject": "rejected", "review": "received"}


def _write(session: Session, rows: list[_Taken], renderer: TemplateRenderer, now: datetime) -> None:
    """The chunk's decisions, claims, e-mails and audit events, each in one statement."""
    messages: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    claims: list[dict[str, Any]] = []
    contacts = contacts_by_territory(session)
    for row in rows:
        decision = row.decision
        if decision is None:  # refused
            if row.partner is not None:
                contact = lookup(contacts, row.partner)
                messages.append(partner_message(renderer, "refused", row, row.partner, contact))
            events.append(_event(row, "registration.refused", {"problems": list(row.problems)}, now))
            continue
        assert row.partner is not None  # only refusals may lack a partner
        event = _EVENTS[decision.outcome]
        suffix = f":{now.isoformat()}" if decision.outcome == "review" else ""
        messages.append(
            partner_message(renderer, event, row, row.partner, lookup(contacts, row.partner), suffix)
        )
        events.append(
            _event(row, f"registration.{decision.outcome}", {"reason": decision.reason}, now, decision)
        )
        if decision.outcome == "approve":
            claims += [
                {
                    "customer_key": row.customer_key,
                    "product_line": line,
                    "registration_id": row.id,
                    "created_at": now,
                }
                for line in row.product_lines
            ]
    _update(session, [row for row in rows if row.decision is not None])
    if claims:
        session.connection().execute(insert(ProtectionClaim.__table__), claims)  # type: ignore[attr-defined]
    store_messages(session, messages)
    record_events(session, events)
    listening = listeners(session, "registration.decided")
    for row in rows:
        if (
            row.decision is not None
            and row.decision.outcome in ("approve", "reject")
            and row.partner_id in listening
        ):
            publish_decided(session, row, row.partner_id or 0, _EVENTS[row.decision.outcome], now)


def _update(session: Session, rows: list[_Taken]) -> None:
    """Each decided registration's new columns, grouped by which columns change."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        names = tuple(sorted(row.changes))
        groups.setdefault(names, []).append({"row_id": row.id, **row.changes})
    table = Registration.__table__  # type: ignore[attr-defined]
    for names, values in groups.items():
        statement = (
            update(table)
            .where(table.c.id == bindparam("row_id"))
            .values({name: bindparam(name) for name in names})
        )
        session.connection().execute(statement, values)


def _event(
    row: _Taken,
    action: str,
    details: dict[str, Any],
    now: datetime,
    decision: Decision[DealAction] | None = None,
) -> dict[str, Any]:
    return event_row(
        actor=SYSTEM_ACTOR,
        action=action,
        subject_type="registration",
        subject_id=row.id or 0,
        occurred_at=now,
        stamp=decision.stamp if decision else None,
        rule_id=decision.rule_id if decision else None,
        details=details,
    )


def _result(row: _Taken) -> IntakeResult:
    if row.decision is None:
        return IntakeResult(row.id or 0, "refused", None, None, None, tuple(row.problems))
    decision = row.decision
    return IntakeResult(
        row.id or 0, decision.outcome, decision.rule_id, decision.stamp.version, decision.reason
    )


def counts_by_outcome(results: Iterable[IntakeResult]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for result in results:
        counts[result.outcome] = counts.get(result.outcome, 0) + 1
    return counts
