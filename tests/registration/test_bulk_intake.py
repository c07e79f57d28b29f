"""Taking in a file in bulk decides every row as taking it in row by row does: same outcomes,
rules, reasons, protections, e-mails and audit trail, refusals and repeated references included."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from partnerflow.db import get_engine, migrate
from partnerflow.models import AuditEvent, Notification, Partner, PartnerTier, ProtectionClaim, Registration
from partnerflow.registration.bulk import take_in_many
from partnerflow.registration.intake import IntakeResult, take_in
from partnerflow.sample_data.network import seed_demo_network
from tests.factories import NOW, POLICY, RENDERER

LINES = ("network", "wifi", "security", "services")


def mixed_file(count: int, trusted: list[tuple[int, str]], seed: int = 7) -> list[dict[str, Any]]:
    """Rows a real file holds: small and large deals, shared customers (conflicts, a partner's
    own repeat), refusals of every kind, and references repeated within the file; every fourth
    row is a small deal of a ``trusted`` (partner id, département) in its own territory."""
    rng = random.Random(seed)
    rows: list[dict[str, Any]] = []
    for n in range(count):
        customer = rng.randint(0, 150)
        partner, departement = trusted[n % len(trusted)] if n % 4 == 0 else (rng.randint(1, 30), "75")
        row: dict[str, Any] = {
            "partner_id": partner,
            "customer_name": f"Client {customer} SAS",
            "customer_email": f"achats@client{customer}.fr",
            "customer_departement": departement,
            "product_lines": rng.sample(LINES, rng.choice([1, 1, 2])),
            "amount": "4000" if n % 4 == 0 else str(rng.choice([4000, 18000, 60000, 300000])),
            "expected_close_on": "2027-03-01",
            "external_id": f"ref-{rng.randint(0, count)}" if n % 3 == 0 else None,
        }
        spoil = rng.random()
        if spoil < 0.04:
            row["amount"] = "beaucoup"
        elif spoil < 0.06:
            row["partner_id"] = 9999
        elif spoil < 0.08:
            row["expected_close_on"] = "2020-01-01"
        elif spoil < 0.09:
            row["customer_departement"] = "ZZ"
        rows.append(row)
    return rows + [{**row, "external_id": None} for row in rows[::5]]  # partners repeating a deal


def trusted_partners(engine: Engine) -> list[tuple[int, str]]:
    """Certified gold and platinum partners, whose small deals in their territory are approved."""
    with Session(engine) as session:
        partners = session.exec(select(Partner).where(col(Partner.certified))).all()
    return [
        (p.id or 0, p.territory_code) for p in partners if p.tier in (PartnerTier.GOLD, PartnerTier.PLATINUM)
    ]


def database(tmp_path: Path, name: str) -> Engine:
    url = f"sqlite:///{tmp_path / name}"
    migrate(url)
    engine = get_engine(url)
    with Session(engine) as session:
        seed_demo_network(session, now=NOW, scale=1)
        session.commit()
    return engine


def state(engine: Engine) -> dict[str, Any]:
    """Everything the intake writes, without what only differs by when it was written."""
    skip = {"created_at", "next_attempt_at", "occurred_at", "id"}
    with Session(engine) as session:
        return {
            "registrations": [
                r.model_dump(exclude={"submitted_at", "decided_at", "approved_at", "review_requested_at"})
                for r in session.exec(select(Registration).order_by(Registration.id))  # type: ignore[arg-type]
            ],
            "claims": sorted(
                (c.customer_key, c.product_line, c.registration_id)
                for c in session.exec(select(ProtectionClaim))
            ),
            "mails": sorted(
                tuple(sorted((k, str(v)) for k, v in n.model_dump(exclude=skip).items()))
                for n in session.exec(select(Notification))
            ),
            "audit": sorted(
                tuple(sorted((k, str(v)) for k, v in e.model_dump(exclude=skip).items()))
                for e in session.exec(select(AuditEvent))
            ),
        }


@pytest.mark.parametrize("chunk", [1, 37, 400])
def test_bulk_and_row_by_row_write_the_same(tmp_path: Path, chunk: int) -> None:
    one_by_one, bulk = database(tmp_path, "rows.db"), database(tmp_path, "bulk.db")
    rows = mixed_file(400, trusted_partners(bulk))
    expected: list[IntakeResult] = []
    with Session(one_by_one) as session:
        for raw in rows:
            expected.append(take_in(session, raw, policy=POLICY, renderer=RENDERER, now=NOW))
        session.commit()
    got: list[IntakeResult] = []
    with Session(bulk) as session:
        decide = POLICY.memoized()
        for start in range(0, len(rows), chunk):
            got += take_in_many(
                session, rows[start : start + chunk], policy=POLICY, renderer=RENDERER, now=NOW, decide=decide
            )
        session.commit()
    assert got == expected
    outcomes = {result.outcome for result in got}
    rules = {result.rule_id for result in got}
    assert {"approve", "reject", "review", "refused"} <= outcomes, "the file exercises every outcome"
    assert {"conflict-protected", "duplicate-of-own"} <= rules
    assert state(bulk) == state(one_by_one)


def test_the_same_file_twice_creates_nothing_new(tmp_path: Path) -> None:
    """Rows with a reference answer with their first result; only refused rows (never stored
    under their reference) are refused again."""
    engine = database(tmp_path, "bulk.db")
    rows = [row for row in mixed_file(200, trusted_partners(engine)) if row["external_id"]]
    with Session(engine) as session:
        first = take_in_many(session, rows, policy=POLICY, renderer=RENDERER, now=NOW)
        session.commit()
    before = state(engine)
    with Session(engine) as session:
        again = take_in_many(session, rows, policy=POLICY, renderer=RENDERER, now=NOW)
        session.commit()
    after = state(engine)
    taken = [(a, b) for a, b in zip(first, again, strict=True) if a.outcome != "refused"]
    assert taken and all(a == b for a, b in taken)
    assert all(b.outcome == "refused" for a, b in zip(first, again, strict=True) if a.outcome == "refused")
    assert after["claims"] == before["claims"]
    new = after["registrations"][len(before["registrations"]) :]
    assert all(r["status"] == "refused" for r in new)


def test_a_chunk_another_writer_got_in_the_way_of_is_taken_in_row_by_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reference stored by another process after the chunk looked for it: the chunk's insert
    fails on the constraint, nothing of it stays, and each row gets the answer take_in gives."""
    engine = database(tmp_path, "bulk.db")
    rows = [row for row in mixed_file(40, trusted_partners(engine)) if row["external_id"]]
    with Session(engine) as session:
        first = take_in_many(session, rows, policy=POLICY, renderer=RENDERER, now=NOW)
        session.commit()
    monkeypatch.setattr("partnerflow.registration.bulk._submitted_before", lambda _session, _refs: {})
    with Session(engine) as session:
        again = take_in_many(session, rows, policy=POLICY, renderer=RENDERER, now=NOW)
        session.commit()
    assert [a for a in again if a.outcome != "refused"] == [f for f in first if f.outcome != "refused"]


def test_on_postgresql_too(tmp_path: Path, postgres_engine: Engine) -> None:
    """The bulk statements (multi-row INSERT ... RETURNING in row order, UPDATE by id) on
    PostgreSQL write what row by row writes on SQLite."""
    with Session(postgres_engine) as session:
        seed_demo_network(session, now=NOW, scale=1)
        session.commit()
    one_by_one = database(tmp_path, "rows.db")
    rows = mixed_file(300, trusted_partners(postgres_engine))
    with Session(one_by_one) as session:
        expected = [take_in(session, raw, policy=POLICY, renderer=RENDERER, now=NOW) for raw in rows]
        session.commit()
    with Session(postgres_engine) as session:
        got = take_in_many(session, rows, policy=POLICY, renderer=RENDERER, now=NOW)
        session.commit()
    assert got == expected
    assert state(postgres_engine) == state(one_by_one)
