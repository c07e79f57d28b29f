"""A made-up year and a half of partner history, for the demo and the partner-health benchmark.

Per partner: about 12 registrations (some refused, won, lost, reviewed; a few asked for more
information), a commission line per won deal, certifications and courses. One partner in seven
is *fading*: nothing registered in the last 120 days, a quarter of the commission. The same
``seed`` always gives the same history. Leads are seeded by ``sample_data.leads``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, insert
from sqlmodel import Session, col, select

from partnerflow.models import (
    ApprovalAnswer,
    ApprovalRequest,
    CommissionLine,
    Person,
    PersonRole,
    Registration,
    Role,
    TrainingRecord,
)

STATUSES = ("approved", "approved", "won", "lost", "refused", "rejected", "expired")
FADING_EVERY = 7
HISTORY_DAYS = 540
BATCH = 20_000


@dataclass
class History:
    """The rows to insert, by table (ids given, so rows can reference each other)."""

    rows: dict[Any, list[dict[str, Any]]] = field(default_factory=dict)

    def add(self, table: Any, row: dict[str, Any]) -> None:
        self.rows.setdefault(table, []).append(row)

    def count(self, table: Any) -> int:
        return len(self.rows.get(table, []))


def make_history(
    partner_ids: list[int], *, as_of: datetime, manager_id: int, first_ids: dict[str, int], seed: int = 2026
) -> History:
    """The history of ``partner_ids`` up to ``as_of``; ``first_ids`` are the next free ids of the
    registration and approval_request tables."""
    rng = random.Random(seed)
    history = History()
    registration_id, request_id = first_ids["registration"], first_ids["approval_request"]
    for partner_id in partner_ids:
        fading = partner_id % FADING_EVERY == 0
        for _ in range(rng.randint(6, 18)):
            submitted = as_of - timedelta(days=rng.uniform(1, HISTORY_DAYS))
            if fading and submitted > as_of - timedelta(days=120):
                submitted -= timedelta(days=150)
            status = rng.choice(STATUSES)
            history.add(Registration, _registration(registration_id, partner_id, status, submitted, rng))
            if status != "refused" and rng.random() < 0.2:
                history.add(ApprovalRequest, _review(request_id, registration_id, submitted, rng))
                if rng.random() < 0.15:
                    history.add(ApprovalAnswer, _asked_for_information(request_id, manager_id, submitted))
                request_id += 1
            if status == "won":
                amount = Decimal(rng.randint(100, 3000)) / (4 if fading else 1)
                history.add(CommissionLine, _commission(registration_id, partner_id, submitted, amount))
            registration_id += 1
        if partner_id % 3:
            renewed = date(2024, 1, 1) + timedelta(days=rng.randint(0, 700))
            history.add(
                TrainingRecord, _training(partner_id, "Certification réseau", "certification", renewed)
            )
        if rng.random() < 0.6:
            followed = (as_of - timedelta(days=rng.randint(1, 500))).date()
            history.add(TrainingRecord, _training(partner_id, "Nouveautés du programme", "course", followed))
    return history


def insert_history(session: Session, history: History) -> None:
    """Insert every row, in batches, tables in dependency order."""
    for table in (Registration, ApprovalRequest, ApprovalAnswer, CommissionLine, TrainingRecord):
        rows = history.rows.get(table, [])
        for start in range(0, len(rows), BATCH):
            session.execute(insert(table), rows[start : start + BATCH])


def seed_demo_history(session: Session, partner_ids: list[int], *, as_of: datetime) -> History | None:
    """The demo network's history, unless it already has history (older registrations)."""
    older = as_of - timedelta(days=200)
    if session.exec(
        select(func.count()).select_from(Registration).where(Registration.submitted_at < older)
    ).one():
        return None
    managers = select(Person.id).join(PersonRole).where(PersonRole.role == Role.CHANNEL_MANAGER)
    manager = session.exec(managers.order_by(col(Person.id))).first()
    if manager is None:
        return None
    first_ids = {
        "registration": (session.exec(select(func.max(Registration.id))).one() or 0) + 1,
        "approval_request": (session.exec(select(func.max(ApprovalRequest.id))).one() or 0) + 1,
    }
    history = make_history(partner_ids, as_of=as_of, manager_id=manager, first_ids=first_ids)
    insert_history(session, history)
    return history


def _registration(
    registration_id: int, partner_id: int, status: str, submitted: datetime, rng: random.Random
) -> dict[str, Any]:
    return {
        "id": registration_id,
        "partner_id": partner_id,
        "status": status,
        "customer_name": f"Client historique {registration_id}",
        "submitted_at": submitted,
        "closed_on": (submitted + timedelta(days=40)).date() if status in ("won", "lost") else None,
        "policy_version": None if status == "refused" else rng.choice(("2026-01-01", "2026-12-01")),
        "submission": {},
        "facts": {},
        "reason_texts": {},
    }


def _review(request_id: int, registration_id: int, submitted: datetime, rng: random.Random) -> dict[str, Any]:
    return {
        "id": request_id,
        "subject_kind": "registration",
        "subject_id": registration_id,
        "round": 1,
        "role": "channel-manager",
        "requested_at": submitted,
        "expires_at": submitted + timedelta(days=30),
        "closed_at": submitted + timedelta(days=rng.uniform(0.1, 12)),
    }


def _asked_for_information(request_id: int, manager_id: int, asked: datetime) -> dict[str, Any]:
    return {
        "answered_at": asked + timedelta(days=2),
        "request_id": request_id,
        "person_id": manager_id,
        "person_email": "historique@vendor.example",
        "decision": "request-info",
        "details": {},
        "via": "link",
        "actor": "historique@vendor.example",
    }


def _commission(
    registration_id: int, partner_id: int, submitted: datetime, amount: Decimal
) -> dict[str, Any]:
    closed = (submitted + timedelta(days=40)).date()
    return {
        "registration_id": registration_id,
        "partner_id": partner_id,
        "created_at": datetime.combine(closed, time(18), tzinfo=UTC),
        "amount": amount,
        "currency": "EUR",
        "deal_amount": Decimal(20000),
        "product_line": "network",
        "closed_on": closed,
        "payable_from": closed,
        "plan_version": "2026-01-01",
        "plan_sha256": "0" * 64,
        "status": "settled",  # paid before partnerflow: never settled (paid) again
        "explanation": [],
        "details": {},
    }


def _training(partner_id: int, course: str, kind: str, completed: date) -> dict[str, Any]:
    expires = completed + timedelta(days=730) if kind == "certification" else None
    return {
        "partner_id": partner_id,
        "course": course,
        "kind": kind,
        "completed_on": completed,
        "expires_on": expires,
        "recorded_at": datetime.combine(completed, time(18), tzinfo=UTC),
    }
