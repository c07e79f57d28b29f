"""One clock (#28): the product reads the time from ``partnerflow.clock`` (the Context's clock,
fixed in tests and by ``PARTNERFLOW_CLOCK_AT``), except where the machine's own time is meant.
A new ``datetime.now()`` anywhere else fails here, naming the file and line."""

from __future__ import annotations

import ast
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session

from partnerflow.audit import record_event
from partnerflow.settings import PROJECT_ROOT

WALL_CLOCK_CALLS = {("datetime", "now"), ("datetime", "utcnow"), ("date", "today"), ("time", "time")}
MACHINE_TIME = {
    "partnerflow/clock.py": "the system clock itself",
    "partnerflow/models/columns.py": "utcnow: column defaults of rows written without a time",
    "partnerflow/notify/outbox.py": "delivery: a message is due at once on the machine's time",
    "partnerflow/notify/sender.py": "delivery leases, retry back-off and the Date header run on the "
    "machine's time, also when the programme's clock is set (PARTNERFLOW_CLOCK_AT)",
    "partnerflow/notify/sink.py": "the development SMTP sink names its files by arrival",
    "partnerflow/cli/output.py": "the error log's line stamp",
}


def wall_clock_reads(path: Path) -> list[int]:
    lines = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            if (func.value.id, func.attr) in WALL_CLOCK_CALLS:
                lines.append(node.lineno)
        elif isinstance(func, ast.Name) and func.id == "utcnow":
            lines.append(node.lineno)
    return lines


def test_the_product_reads_the_time_from_its_clock() -> None:
    found = [
        f"{path.relative_to(PROJECT_ROOT)}:{line}"
        for folder in ("partnerflow", "flows", "tasks")
        for path in sorted((PROJECT_ROOT / folder).rglob("*.py"))
        if str(path.relative_to(PROJECT_ROOT)) not in MACHINE_TIME
        for line in wall_clock_reads(path)
    ]
    assert found == [], "read the time from partnerflow.context().clock (or take `now`): " + ", ".join(found)


def test_the_audit_trail_is_stamped_by_the_programmes_clock(engine: Engine) -> None:
    then = datetime(2031, 5, 4, 3, 2, 1, tzinfo=UTC)
    with Session(engine) as session:
        event = record_event(
            session, now=then, actor="test", action="clock.read", subject_type="x", subject_id=1
        )
        session.commit()
        assert event.occurred_at == then
