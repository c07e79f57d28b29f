"""``partnerflow leads import FILE.csv``: lead events from the lead-distribution system.

One row per event; the lead's own columns repeat on each of its rows::

    lead_id,departement,reseller_id,received_at,event_id,event,status,occurred_at
    L-1001,69,12,2026-03-02T09:14:00+01:00,E-1,sent,,2026-03-02T09:14:00+01:00
    L-1001,69,12,2026-03-02T09:14:00+01:00,E-2,opened,,2026-03-02T11:40:00+01:00
    L-1001,69,12,2026-03-02T09:14:00+01:00,E-3,status,sold,2026-04-18T16:05:00+02:00

``event`` is sent, opened or status; ``status`` (in_progress, sold, lost) only with ``status``.
A lead the other system passed on to another reseller repeats with that reseller and the time
it received the lead: each reseller's turn counts for its own KPIs. Leads partnerflow
distributes itself are not imported over (their events come from the resellers' lead pages).
Times are ISO 8601; without an offset they are taken as UTC, and none may be later than the
import (a sale dated 2099 was accepted). A département is any of the official list (one with no
reseller yet is added to the coverage; 01 was refused for having no partner). A reseller's turn has one
outcome: a lead it sold is not also lost, nor the reverse. Rows are checked one by one: a bad
row is reported with its line number and reason and skipped; lead and event ids already stored
are skipped, so importing the same file twice changes nothing. The whole file is one
transaction: a fatal error (unreadable file, missing column, database failure) imports nothing.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from itertools import islice
from pathlib import Path
from typing import Any

from sqlalchemy import select as sa_select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.sql.dml import Insert
from sqlmodel import Session, col

from partnerflow.leads.intake import ensure_territories
from partnerflow.models import (
    Lead,
    LeadEvent,
    LeadEventKind,
    LeadState,
    LeadStatus,
    LeadTurn,
    Partner,
    Territory,
    TurnState,
)
from partnerflow.territories import CODES as DEPARTEMENT_CODES
from partnerflow.values import whole_number

COLUMNS = (
    "lead_id",
    "departement",
    "reseller_id",
    "received_at",
    "event_id",
    "event",
    "status",
    "occurred_at",
)
CHUNK = 5_000


class LeadFileError(Exception):
    """The file cannot be imported at all; nothing was written."""


@dataclass
class ImportReport:
    rows: int = 0
    leads_added: int = 0
    events_added: int = 0
    already_known: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (line, reason)

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "leads_added": self.leads_added,
            "events_added": self.events_added,
            "already_known": self.already_known,
            "rejected": [{"line": line, "reason": reason} for line, reason in self.rejected],
        }


EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)  # before the programme
CLOCK_SKEW = timedelta(hours=1)  # the lead system's clock may run a little ahead of ours
OUTCOMES = frozenset({LeadStatus.SOLD, LeadStatus.LOST})
Turn = tuple[str, int]  # lead, reseller
EventIdentity = tuple[str, LeadEventKind, datetime]  # lead, kind, when: the same id means the same event


def import_lead_file(
    session: Session, path: Path, *, now: datetime, progress: Callable[[int], None] | None = None
) -> ImportReport:
    """Import ``path`` into the session's transaction (the caller commits); see the module doc."""
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as error:
        raise LeadFileError(f"{path}: {error.strerror}") from None
    with handle:
        reader = csv.DictReader(handle)
        header = list(reader.fieldnames or [])
        repeated = sorted({name for name in header if header.count(name) > 1})
        if repeated:  # DictReader would keep the last one silently
            raise LeadFileError(
                f"{path}:1: column {repeated[0][:60]!r} appears twice in the header: keep one"
            )
        missing = [name for name in COLUMNS if name not in header]
        if missing:
            raise LeadFileError(
                f"{path}: missing column(s) {', '.join(missing)}; expected {','.join(COLUMNS)}"
            )
        return import_rows(session, _numbered(reader), now=now, progress=progress)


@dataclass
class _Known:
    """What the file and the database already say, to check each new row against."""

    leads: dict[str, tuple[str, LeadState]] = field(default_factory=dict)  # département, state
    turns: dict[Turn, datetime] = field(default_factory=dict)  # when the reseller received it
    events: dict[str, EventIdentity] = field(default_factory=dict)
    outcomes: dict[Turn, LeadStatus] = field(default_factory=dict)

    def load(self, session: Session, chunk: list[tuple[int, dict[str, str]]]) -> None:
        lead_ids = {row.get("lead_id", "").strip() for _, row in chunk}
        self.leads = _stored_leads(session, lead_ids) | self.leads
        self.turns = _stored_turns(session, lead_ids) | self.turns
        self.events = (
            _stored_events(session, {row.get("event_id", "").strip() for _, row in chunk}) | self.events
        )
        self.outcomes = _stored_outcomes(session, lead_ids) | self.outcomes

    def refusal(self, lead: dict[str, Any], turn: dict[str, Any], event: dict[str, Any]) -> str | None:
        """Why this row contradicts what is known, or None."""
        known = self.leads.get(lead["id"])
        if known is not None and known[1] is not LeadState.HISTORY:
            return f"lead {lead['id']} is distributed by partnerflow: its resellers declare its events"
        if known is not None and known[0] != lead["departement"]:
            return f"lead {lead['id']} was imported with another département"
        key = (turn["lead_id"], turn["reseller_id"])
        received = self.turns.get(key)
        if received is not None and received != turn["received_at"]:
            return f"lead {lead['id']} was imported for reseller {key[1]} with another reception time"
        if event["occurred_at"] < turn["received_at"]:
            return "occurred_at is before the lead's received_at"
        used = self.events.get(event["id"])
        if used is not None and used != (event["lead_id"], event["kind"], event["occurred_at"]):
            return f"event_id {event['id']} was already used for another event (lead {used[0]})"
        outcome, status = self.outcomes.get(key), event["status"]
        if status in OUTCOMES and outcome is not None and outcome != status:
            return (
                f"lead {lead['id']} is {outcome.value} already for reseller {key[1]}: "
                f"it cannot also be {status.value}"
            )
        return None

    def record(self, lead: dict[str, Any], turn: dict[str, Any], event: dict[str, Any]) -> bool:
        """Remember an accepted row; whether its reseller's turn is new."""
        key = (turn["lead_id"], turn["reseller_id"])
        self.leads[lead["id"]] = (lead["departement"], LeadState.HISTORY)
        self.events[event["id"]] = (event["lead_id"], event["kind"], event["occurred_at"])
        if event["status"] in OUTCOMES:
            self.outcomes[key] = event["status"]
        new_turn = key not in self.turns
        self.turns[key] = turn["received_at"]
        return new_turn


def import_rows(
    session: Session,
    rows: Iterable[tuple[int, dict[str, str]]],
    *,
    now: datetime,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Validate and insert ``(line, row)`` pairs in chunks, one transaction."""
    report = ImportReport()
    territories = set(session.exec(sa_select(col(Territory.code))).scalars())  # type: ignore[call-overload]
    latest = now + CLOCK_SKEW
    partners = set(session.exec(sa_select(col(Partner.id))).scalars())  # type: ignore[call-overload]
    known = _Known()
    iterator = iter(rows)
    while chunk := list(islice(iterator, CHUNK)):
        leads: dict[str, dict[str, Any]] = {}
        turns: list[dict[str, Any]] = []
        events: list[dict[str, Any]] = []
        known.load(session, chunk)
        for line, row in chunk:
            report.rows += 1
            parsed = _parse(row, partners, latest)
            if isinstance(parsed, str):
                report.rejected.append((line, parsed))
                continue
            lead, turn, event = parsed
            refusal = known.refusal(lead, turn, event)
            if refusal is not None:
                report.rejected.append((line, refusal))
                continue
            if lead["departement"] not in territories:  # a real département without a reseller yet
                ensure_territories(session, {lead["departement"]})
                territories.add(lead["departement"])
            if lead["id"] not in known.leads:
                leads[lead["id"]] = lead
            elif lead["id"] in leads:
                leads[lead["id"]]["received_at"] = min(leads[lead["id"]]["received_at"], lead["received_at"])
            if known.record(lead, turn, event):
                turns.append(turn)
            events.append(event)
        dialect = session.connection().dialect.name
        if leads:
            report.leads_added += _insert_new(session, _insert_once(dialect, "lead"), list(leads.values()))
        if turns:
            session.connection().execute(_insert_once(dialect, "leadturn"), turns)
        if events:
            added = _insert_new(session, _insert_once(dialect, "leadevent"), events)
            report.events_added += added
            report.already_known += len(events) - added
        if progress is not None:
            progress(len(chunk))
    return report


def _parse(
    row: dict[str, str], partners: set[int], latest: datetime
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]] | str:
    """The lead, the reseller's turn and the event of one row, or why the row is refused."""
    values = {name: (row.get(name) or "").strip() for name in COLUMNS}
    for name in ("lead_id", "event_id"):
        if not values[name] or len(values[name]) > 64:
            return f"{name} must be 1 to 64 characters"
    if values["departement"] not in DEPARTEMENT_CODES:
        return (
            f"département {values['departement']!r} is not a French département "
            "(INSEE code: 01 to 95, 2A, 2B, 971 to 976)"
        )
    try:
        reseller = int(whole_number(values["reseller_id"]))
    except ValueError:
        return f"reseller_id {values['reseller_id']!r} is not a number written with digits only"
    if reseller not in partners:
        return f"reseller {reseller} does not exist"
    try:
        kind = LeadEventKind(values["event"])
    except ValueError:
        return f"event {values['event']!r} is not one of sent, opened, status"
    status: LeadStatus | None = None
    if kind is LeadEventKind.STATUS:
        try:
            status = LeadStatus(values["status"])
        except ValueError:
            return f"status {values['status']!r} is not one of in_progress, sold, lost"
    elif values["status"]:
        return f"status is only given with event=status, not with {kind.value}"
    times = {}
    for name in ("received_at", "occurred_at"):
        try:
            moment = datetime.fromisoformat(values[name])
        except ValueError:
            return f"{name} {values[name]!r} is not an ISO 8601 date and time"
        wall = moment.replace(tzinfo=UTC)  # the wall time, wherever it was: no overflow near year 1 or 9999
        if wall < EARLIEST:
            return f"{name} {values[name]!r} is before {EARLIEST.year}"
        if wall > latest + timedelta(days=1) or _utc(moment) > latest:
            return f"{name} {values[name]!r} is in the future: a lead event is imported once it happened"
        times[name] = _utc(moment)
    lead = {
        "id": values["lead_id"],
        "departement": values["departement"],
        "received_at": times["received_at"],
        "product_lines": [],
    }
    turn = {
        "lead_id": values["lead_id"],
        "reseller_id": reseller,
        "state": TurnState.RECORDED,
        "received_at": times["received_at"],
        "ranking": [],
    }
    event = {
        "id": values["event_id"],
        "lead_id": values["lead_id"],
        "reseller_id": reseller,
        "kind": kind,
        "status": status,
        "occurred_at": times["occurred_at"],
    }
    return lead, turn, event


def _stored_leads(session: Session, ids: set[str]) -> dict[str, tuple[str, LeadState]]:
    rows = session.connection().execute(
        sa_select(col(Lead.id), col(Lead.departement), col(Lead.state)).where(col(Lead.id).in_(sorted(ids)))
    )
    return {row[0]: (row[1], LeadState(row[2])) for row in rows}


def _stored_turns(session: Session, lead_ids: set[str]) -> dict[Turn, datetime]:
    rows = session.connection().execute(
        sa_select(col(LeadTurn.lead_id), col(LeadTurn.reseller_id), col(LeadTurn.received_at)).where(
            col(LeadTurn.lead_id).in_(sorted(lead_ids))
        )
    )
    return {(row[0], row[1]): _utc(row[2]) for row in rows}


def _stored_events(session: Session, ids: set[str]) -> dict[str, EventIdentity]:
    rows = session.connection().execute(
        sa_select(
            col(LeadEvent.id), col(LeadEvent.lead_id), col(LeadEvent.kind), col(LeadEvent.occurred_at)
        ).where(col(LeadEvent.id).in_(sorted(ids)))
    )
    return {row[0]: (row[1], LeadEventKind(row[2]), _utc(row[3])) for row in rows}


def _stored_outcomes(session: Session, lead_ids: set[str]) -> dict[Turn, LeadStatus]:
    """The outcome (sold or lost) already stored for each turn of ``lead_ids`` that has one."""
    rows = session.connection().execute(
        sa_select(col(LeadEvent.lead_id), col(LeadEvent.reseller_id), col(LeadEvent.status)).where(
            col(LeadEvent.lead_id).in_(sorted(lead_ids)),
            col(LeadEvent.status).in_([status.value for status in OUTCOMES]),
        )
    )
    return {(row[0], row[1]): LeadStatus(row[2]) for row in rows}


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _insert_new(session: Session, statement: Insert, rows: list[dict[str, Any]]) -> int:
    """Insert, skipping ids already stored; how many rows were new."""
    table = statement.table
    result = session.connection().execute(statement.returning(table.c.id), rows)
    return len(result.all())


@lru_cache(maxsize=8)
def _insert_once(dialect: str, table_name: str) -> Insert:
    table, keys = {
        "lead": (Lead.__table__, ["id"]),  # type: ignore[attr-defined]
        "leadturn": (LeadTurn.__table__, ["lead_id", "reseller_id"]),  # type: ignore[attr-defined]
        "leadevent": (LeadEvent.__table__, ["id"]),  # type: ignore[attr-defined]
    }[table_name]
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    return insert(table).on_conflict_do_nothing(index_elements=keys)


def _numbered(reader: csv.DictReader[str]) -> Iterator[tuple[int, dict[str, str]]]:
    for row in reader:
        yield reader.line_num, row
