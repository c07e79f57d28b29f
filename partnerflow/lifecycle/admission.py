"""Replacing a partner who left, on strict criteria: candidates imported, judged by the
``partner_admission`` policy, proposed together to the channel managers, and admitted ones made
partners (whose onboarding path then starts: ``partner-onboarding``).

Whether a candidate's département needs resellers is counted here (active partners against the
rebalancing band's minimum, which the caller passes in), so the process stays independent of
the rebalancing's code.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import func
from sqlmodel import Session, col, select
from stdnum.fr import siren as siren_number

from partnerflow.approvals import (
    Applying,
    Ask,
    DecisionOutcome,
    Links,
    Subject,
)
from partnerflow.approvals.first_answer import first_answer_decides
from partnerflow.approvals.form_items import FormItem, listed_ids
from partnerflow.approvals.invitations import invite_role
from partnerflow.audit import record_event
from partnerflow.clock import programme_date
from partnerflow.markdown import md_text
from partnerflow.models import (
    AdmissionBatch,
    ApprovalAnswer,
    CandidateStatus,
    ContactRole,
    Locale,
    Partner,
    PartnerCandidate,
    PartnerStatus,
    PartnerTier,
    Role,
    Territory,
)
from partnerflow.notify import TemplateRenderer
from partnerflow.partner_access.contacts import add_contact
from partnerflow.policy import PartnerAdmissionPolicy, Policy
from partnerflow.territories import departement_label
from partnerflow.text import is_clean

SUBJECT_KIND = "admission"
RESUBMITTABLE = (CandidateStatus.HELD, CandidateStatus.REFUSED)


class CandidateRow(BaseModel):
    """One row of a candidates file: ``name,siren,departement,sector,sales_staff,certified_staff,
    contact_email,locale``."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=200)
    siren: str = Field(pattern=r"^\d{9}$")
    departement: str = Field(pattern=r"^(\d{2,3}|2A|2B)$")
    sector: str = Field(min_length=1, max_length=40, pattern=r"^[a-z0-9-]+$")
    sales_staff: int = Field(ge=0, le=100_000)
    certified_staff: int = Field(ge=0, le=100_000)
    contact_email: str = Field(max_length=254, pattern=r"^[^@\s<>,;]+@[^@\s<>,;]+\.[A-Za-z]{2,}$")
    locale: Locale = Locale.FR

    @field_validator("name")
    @classmethod
    def _plain(cls, value: str) -> str:
        if not is_clean(value):
            raise ValueError("contains a control character")
        return value


@dataclass
class CandidateImport:
    judged: Counter[str] = field(default_factory=Counter)  # outcome -> count
    unchanged: int = 0  # already proposed, admitted or rejected: not judged again
    refused_rows: list[tuple[int, str]] = field(default_factory=list)  # row number, reasons


def import_candidates(
    session: Session,
    rows: list[dict[str, Any]],
    *,
    policy: Policy[PartnerAdmissionPolicy],
    min_resellers: int,
    now: datetime,
) -> CandidateImport:
    """Store each valid row (one candidate per SIREN) and judge it; a held or refused candidate
    imported again is judged again (it may have certified someone since)."""
    report = CandidateImport()
    territories = set(session.exec(select(Territory.code)).all())
    active = _active_per_departement(session)
    partner_sirens = set(session.exec(select(Partner.siren).where(col(Partner.siren).is_not(None))).all())
    for number, raw in enumerate(rows, start=1):
        row = _valid(raw, territories)
        if isinstance(row, str):
            report.refused_rows.append((number, row))
            continue
        candidate = session.exec(select(PartnerCandidate).where(PartnerCandidate.siren == row.siren)).first()
        if candidate is not None and candidate.status not in RESUBMITTABLE:
            report.unchanged += 1
            continue
        given = {**row.model_dump(), "locale": row.locale.value}
        if candidate is None:
            candidate = PartnerCandidate(
                **given, status=CandidateStatus.REFUSED, policy_version="", imported_at=now
            )
        else:
            candidate.sqlmodel_update(given)
        facts = {
            "candidate": {
                "siren_valid": siren_number.is_valid(row.siren),
                "already_partner": row.siren in partner_sirens,
                "sector": row.sector,
                "sales_staff": row.sales_staff,
                "certified_staff": row.certified_staff,
            },
            "departement": {
                "active": active[row.departement],
                "min_resellers": min_resellers,
                "needs_recruits": active[row.departement] < min_resellers,
            },
        }
        decision = policy.decide(facts)
        candidate.status = CandidateStatus(
            {"propose": "proposed", "hold": "held", "refuse": "refused"}[decision.outcome]
        )
        candidate.rule_id, candidate.reason = decision.rule_id, decision.reason_in(candidate.locale)
        candidate.policy_version, candidate.imported_at = policy.version, now
        session.add(candidate)
        report.judged[decision.outcome] += 1
    session.flush()
    return report


@dataclass(frozen=True)
class ProposedBatch:
    batch_id: int | None  # None: nobody to propose
    candidates: int
    summary: str
    items: tuple[FormItem, ...] = ()  # one tick each on the manager's form, to leave them out


def propose_batch(
    session: Session,
    *,
    renderer: TemplateRenderer,
    links: Links,
    run_id: str,
    expires_at: datetime,
    now: datetime,
) -> ProposedBatch:
    """Put every proposed candidate not yet in a batch to the channel managers (once per run: a
    rerun of the same run finds its batch)."""
    batch = session.exec(select(AdmissionBatch).where(AdmissionBatch.flow_run_id == run_id)).first()
    if batch is None:
        waiting = _unbatched(session)
        if not waiting:
            return ProposedBatch(None, 0, "No candidate waits for admission.")
        batch = AdmissionBatch(flow_run_id=run_id, created_at=now)
        session.add(batch)
        session.flush()
        for candidate in waiting:
            candidate.batch_id = batch.id
            session.add(candidate)
        session.flush()
    candidates = _in_batch(session, batch)
    summary = batch_markdown(candidates)
    if batch.awaiting:
        invite_role(
            session,
            renderer,
            links,
            Ask(
                Subject(SUBJECT_KIND, batch.id or 0),
                role=Role.CHANNEL_MANAGER,
                approvers_required=1,
                summary=summary,
                expires_at=expires_at,
                flow_run_id=run_id,
            ),
            context={"candidates": len(candidates)},
            now=now,
        )
    items = tuple(
        FormItem(str(c.id), f"Leave out {c.name}, {departement_label(c.departement)}") for c in candidates
    )
    return ProposedBatch(batch.id, len(candidates), summary, items)


def batch_markdown(candidates: list[PartnerCandidate]) -> str:
    lines = [
        "### Candidates for admission",
        "",
        "Approve to admit them all, minus the ids you list in *leave out*; reject to admit none.",
        "",
        "| id | company | SIREN | dép. | sector | sales | certified |",
        "|---|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {c.id} | {md_text(c.name)} | {md_text(c.siren)} | {c.departement} | {md_text(c.sector)} "
        f"| {c.sales_staff} | {c.certified_staff} |"
        for c in candidates
    ]
    return "\n".join(lines)


def leave_out_reader(session: Session, batch_id: int) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """Reads a form's ``leave_out``: only candidates of this batch may be left out."""
    batch = session.get_one(AdmissionBatch, batch_id)
    ids = {candidate.id for candidate in _in_batch(session, batch)}

    def read(values: dict[str, Any]) -> dict[str, Any]:
        left_out = listed_ids(values.get("leave_out"))
        unknown = sorted(set(left_out) - ids)
        if unknown:
            raise ValueError(f"candidates {unknown} are not in this batch")
        return {"leave_out": sorted(set(left_out))} if left_out else {}

    return read


def apply_admission(at: Applying, batch_id: int) -> DecisionOutcome:
    """Approved: every candidate of the batch but those left out becomes an active partner
    (registered tier, joined today); rejected: none does."""
    session, now = at.session, at.now
    batch = session.get_one(AdmissionBatch, batch_id)

    def decide(answer: ApprovalAnswer) -> None:
        left_out = set(answer.details.get("leave_out") or [])
        admitted = []
        for candidate in _in_batch(session, batch):
            if answer.decision == "approve" and candidate.id not in left_out:
                candidate.partner_id = _admit(session, candidate, answer.person_email, now)
                candidate.status = CandidateStatus.ADMITTED
                admitted.append(candidate.siren)
            else:
                candidate.status = CandidateStatus.REJECTED
            session.add(candidate)
        batch.awaiting = False
        batch.decided_by, batch.decided_at, batch.comment = answer.person_email, now, answer.comment
        session.add(batch)
        record_event(
            session,
            now=now,
            actor=answer.person_email,
            action="admission.decided",
            subject_type=SUBJECT_KIND,
            subject_id=batch_id,
            details={"decision": answer.decision, "admitted": admitted, "left_out": sorted(left_out)},
        )

    done = first_answer_decides(at, Subject(SUBJECT_KIND, batch_id), lambda: batch.awaiting, decide)
    status = "decided" if done else "awaiting"
    return DecisionOutcome(done, status, f"admission batch {batch_id}: {status}")


def candidates(session: Session, status: CandidateStatus | None = None) -> list[PartnerCandidate]:
    query = select(PartnerCandidate).order_by(col(PartnerCandidate.id))
    if status is not None:
        query = query.where(PartnerCandidate.status == status)
    return list(session.exec(query))


def _admit(session: Session, candidate: PartnerCandidate, admitted_by: str, now: datetime) -> int:
    partner = Partner(
        name=candidate.name,
        siren=candidate.siren,
        tier=PartnerTier.REGISTERED,
        certified=candidate.certified_staff > 0,
        status=PartnerStatus.ACTIVE,
        locale=Locale(candidate.locale),
        territory_code=candidate.departement,
        joined_on=programme_date(now),
        created_at=now,
    )
    session.add(partner)
    session.flush()
    assert partner.id is not None
    add_contact(
        session,
        partner,
        email=candidate.contact_email,
        locale=candidate.locale,
        role=ContactRole.ADMIN,
        actor=admitted_by,
        now=now,
    )
    return partner.id


def _active_per_departement(session: Session) -> Counter[str]:
    rows = session.exec(
        select(Partner.territory_code, func.count())
        .where(Partner.status == PartnerStatus.ACTIVE)
        .group_by(col(Partner.territory_code))
    ).all()
    return Counter(dict(rows))


def _unbatched(session: Session) -> list[PartnerCandidate]:
    return list(
        session.exec(
            select(PartnerCandidate)
            .where(
                PartnerCandidate.status == CandidateStatus.PROPOSED, col(PartnerCandidate.batch_id).is_(None)
            )
            .order_by(col(PartnerCandidate.id))
        )
    )


def _in_batch(session: Session, batch: AdmissionBatch) -> list[PartnerCandidate]:
    return list(
        session.exec(
            select(PartnerCandidate)
            .where(PartnerCandidate.batch_id == batch.id)
            .order_by(col(PartnerCandidate.id))
        )
    )


def _valid(raw: dict[str, Any], territories: set[str]) -> CandidateRow | str:
    try:
        row = CandidateRow.model_validate(
            {key: value for key, value in raw.items() if value not in ("", None)}
        )
    except ValidationError as error:
        return "; ".join(
            f"{'.'.join(str(part) for part in item['loc'])}: {item['msg'].removeprefix('Value error, ')}"
            for item in error.errors()
        )
    if row.departement not in territories:
        return f"departement: {row.departement} is not a département of the programme"
    return row
