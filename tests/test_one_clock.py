"""One clock (#28): the product reads the time from ``partnerflow.clock`` (the Context's clock,
fixed in tests and by ``PARTNERFLOW_CLOCK_AT``), except where the machine's own time is meant.
A new ``datetime.now()`` anywhere else fails here, naming the file and line."""

from __future__ import annotations

import ast
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session, SQLModel

import partnerflow.models  # noqa: F401  (every table defined)
from partnerflow.audit import record_event
from partnerflow.models.columns import UTCDateTime
from partnerflow.settings import PROJECT_ROOT

WALL_CLOCK_CALLS = {("datetime", "now"), ("datetime", "utcnow"), ("date", "today"), ("time", "time")}
MACHINE_TIME = {
    "partnerflow/clock.py": "the system clock itself",
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


def test_no_table_stamps_a_row_with_the_machines_clock() -> None:
    """A required timestamp has no default (it was the machine's now): the code writing the row
    gives the programme's time, or the insert fails on the missing value."""
    tables = [model for model in all_models(SQLModel) if getattr(model, "__table__", None) is not None]
    defaulted = [
        f"{model.__name__}.{name}"
        for model in tables
        for name, field in model.model_fields.items()
        if field.default_factory is not None and isinstance(model.__table__.c[name].type, UTCDateTime)
    ]
    assert tables and defaulted == []


def all_models(base: type[SQLModel]) -> list[type[SQLModel]]:
    return [found for sub in base.__subclasses__() for found in (sub, *all_models(sub))]
