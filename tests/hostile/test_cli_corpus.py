"""Hostile input through every command-line entry point: a clear answer, never a traceback.

Each case is what a user (or a broken export, or an attacker) gives one command. The answer must
be an exit code of 1 or 2 with one or a few lines naming the problem, or, for a row a policy
refuses, a recorded refusal; never a Python traceback, never a half-written file import, and
quickly. The corpus grows with every entry point (the approval page's inputs are in
``tests/web``).
"""

from __future__ import annotations

import json
import resource
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, select
from typer.testing import CliRunner

from partnerflow.cli import app
from partnerflow.models import AuditEvent, Campaign, LeadEvent, Notification, Registration
from tests.factories import campaign_request, submission

runner = CliRunner()
HUGE = str(10**30)
BIG = str(2**63)
GOOD: dict[str, Any] = {}  # filled per test from the network fixture


@dataclass(frozen=True)
class Case:
    """A command line, with the files it names written first (``{dir}`` is the test's folder)."""

    args: tuple[str, ...]
    files: dict[str, bytes | Callable[[dict[str, Any]], bytes]]
    refused_outright: bool = True  # nothing at all may be written (a file-level problem)


def _json(rows: Any) -> bytes:
    return json.dumps(rows).encode()


def _deal(**changes: Any) -> Callable[[dict[str, Any]], bytes]:
    return lambda good: _json([{**good, **changes}])


FILE_PROBLEMS: dict[str, bytes] = {
    "empty": b"",
    "binary": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    "latin-1": '[{"customer_name": "Société Générale"}]'.encode("latin-1"),
    "not JSON": b"[{partner_id: 1,}]",
    "deeply nested": b"[" * 100_000,
    "a JSON number": b"42",
    "a list of numbers": b"[1, 2, 3]",
    "truncated": b'[{"partner_id": 1, "customer_name": "Ac',
    "nul in the middle": b'[{"customer_name": "A\x00B"}]',
}
CSV_PROBLEMS: dict[str, bytes] = {
    "extra cells": b"partner_id,customer_name\n1,Acme,surplus,more\n",
    "short row": b"partner_id,customer_name,amount\n1,Acme\n",
    "huge cell": b"partner_id,customer_name\n1," + b"x" * 200_000 + b"\n",
    "unterminated quote": b'partner_id,customer_name\n1,"Acme\n',
    "header only": b"partner_id,customer_name\n",
    "binary": b"\x00\x01\x02",
}

CASES: dict[str, Case] = {}
for command in (
    ("deals", "submit"),
    ("campaigns", "submit"),
    ("training", "import"),
    ("candidates", "import"),
    ("people", "import"),
    ("partners", "import"),
):
    for name, content in FILE_PROBLEMS.items():
        CASES[f"{' '.join(command)}: {name}"] = Case((*command, "{dir}/rows.json"), {"rows.json": content})
    for name, content in CSV_PROBLEMS.items():
        CASES[f"{' '.join(command)}: csv {name}"] = Case((*command, "{dir}/rows.csv"), {"rows.csv": content})
    CASES[f"{' '.join(command)}: missing file"] = Case((*command, "{dir}/absent.json"), {})
    CASES[f"{' '.join(command)}: a folder"] = Case((*command, "{dir}"), {})
for name, content in {**FILE_PROBLEMS, **CSV_PROBLEMS}.items():
    CASES[f"deals update: {name}"] = Case(
        ("deals", "update", "1", "{dir}/answer.json"), {"answer.json": content}
    )

ROW_PROBLEMS: dict[str, dict[str, Any]] = {
    "partner id 10^30": {"partner_id": 10**30},
    "partner id 2^63": {"partner_id": 2**63},
    "negative partner id": {"partner_id": -4},
    "fractional partner id": {"partner_id": 1.5},
    "partner id as text": {"partner_id": "one"},
    "amount NaN": {"amount": "NaN"},
    "amount sNaN": {"amount": "sNaN"},
    "amount Infinity": {"amount": "Infinity"},
    "amount 1e30": {"amount": "1e30"},
    "negative amount": {"amount": "-5"},
    "amount with 3 decimals": {"amount": "10.001"},
    "amount as a list": {"amount": [1, 2]},
    "date 2026-02-30": {"expected_close_on": "2026-02-30"},
    "date yesterday": {"expected_close_on": "yesterday"},
    "date 9999-12-31": {"expected_close_on": "9999-12-31"},
    "date 0001-01-01": {"expected_close_on": "0001-01-01"},
    "lone surrogate": {"customer_name": "Acme \ud800"},
    "NUL byte": {"customer_name": "Ac\x00me"},
    "escape sequence": {"customer_name": "\x1b[2J\x1b[31mAcme"},
    "line separator": {"customer_name": "Acme\u2028Bcc: x"},
    "a 1 MB name": {"customer_name": "x" * 1_000_000},
    "a 1 MB product line": {"product_lines": ["x" * 1_000_000]},
    "10,000 product lines": {"product_lines": ["network"] * 10_000},
    "a 1 MB note": {"notes": "x" * 1_000_000},
    "name as an object": {"customer_name": {"$gt": ""}},
    "unknown field": {"admin": True},
    "département of 4 characters": {"customer_departement": "6969"},
    "empty product lines": {"product_lines": []},
    "currency of 40 letters": {"currency": "E" * 40},
    "siren of 40 digits": {"customer_siren": "1" * 40},
}
for name, change in ROW_PROBLEMS.items():
    CASES[f"deals submit row: {name}"] = Case(
        ("deals", "submit", "{dir}/rows.json", "--no-start-reviews"), {"rows.json": _deal(**change)}, False
    )

CAMPAIGN_PROBLEMS: dict[str, dict[str, Any]] = {
    "quantity 10^30": {"quantity": 10**30},
    "negative quantity": {"quantity": -3},
    "discount 150 %": {"discount_pct": "150"},
    "discount NaN": {"discount_pct": "NaN"},
    "discount Infinity": {"discount_pct": "Infinity"},
    "ends before it starts": {"ends_on": "2026-01-01"},
    "start 9999-12-31": {"starts_on": "9999-12-31"},
    "start 2026-02-30": {"starts_on": "2026-02-30"},
    "a 1 MB name": {"name": "x" * 1_000_000},
    "10,000 SKUs": {"skus": ["SW-24P-POE"] * 10_000},
    "SKU with a NUL": {"skus": ["SW\x0024"]},
    "stock value 1e30": {"stock_value": "1e30"},
    "requester as an object": {"requester_email": {"$ne": None}},
    "lone surrogate in the rationale": {"rationale": "End \ud800"},
    "tiers as text": {"tiers": "gold"},
    "unknown field": {"approved": True},
}
for name, change in CAMPAIGN_PROBLEMS.items():
    CASES[f"campaigns submit row: {name}"] = Case(
        ("campaigns", "submit", "{dir}/campaign.json"),
        {"campaign.json": _json([campaign_request(**change)])},
        False,
    )

FLAG_PROBLEMS: dict[str, tuple[str, ...]] = {
    "close: amount NaN": ("deals", "close", "1", "--won", "--amount", "NaN"),
    "close: amount sNaN": ("deals", "close", "1", "--won", "--amount", "sNaN"),
    "close: amount Infinity": ("deals", "close", "1", "--won", "--amount", "Infinity"),
    "close: amount 1e30": ("deals", "close", "1", "--won", "--amount", "1e30"),
    "close: amount 0.001": ("deals", "close", "1", "--won", "--amount", "0.001"),
    "close: amount -1": ("deals", "close", "1", "--won", "--amount", "-1"),
    "close: amount words": ("deals", "close", "1", "--won", "--amount", "a lot"),
    "close: no amount": ("deals", "close", "1", "--won"),
    "close: date yesterday": ("deals", "close", "1", "--won", "--amount", "10", "--date", "yesterday"),
    "close: date 2026-02-30": ("deals", "close", "1", "--won", "--amount", "10", "--date", "2026-02-30"),
    "close: date 1990": ("deals", "close", "1", "--won", "--amount", "10", "--date", "1990-01-01"),
    "close: date 2099": ("deals", "close", "1", "--won", "--amount", "10", "--date", "2099-01-01"),
    "close: id 2^63": ("deals", "close", BIG, "--won", "--amount", "10"),
    "close: id 10^30": ("deals", "close", HUGE, "--won", "--amount", "10"),
    "close: id 0": ("deals", "close", "0", "--won", "--amount", "10"),
    "close: unknown id": ("deals", "close", "99999", "--won", "--amount", "10"),
    "extend: id 2^63": ("deals", "extend", BIG),
    "extend: unknown id": ("deals", "extend", "99999"),
    "reverse: unknown id": ("deals", "reverse", "99999", "--reason", "refund"),
    "update: id 2^63": ("deals", "update", BIG, "{dir}/nothing.json"),
    "review decide: id 2^63": ("review", "decide", BIG, "--approve", "--code", "ABCDE-FGHJK"),
    "review decide: no decision": ("review", "decide", "1", "--code", "ABCDE-FGHJK"),
    "review decide: no credential": ("review", "decide", "1", "--approve"),
    "review decide: empty code": ("review", "decide", "1", "--approve", "--code", ""),
    "review decide: 3,000-character comment": (
        "review",
        "decide",
        "1",
        "--approve",
        "--code",
        "ABCDE-FGHJK",
        "--comment",
        "x" * 3000,
    ),
    "review decide: a code of 10,000 characters": (
        "review",
        "decide",
        "1",
        "--approve",
        "--code",
        "A" * 10_000,
    ),
    "review decide: both credentials": (
        "review",
        "decide",
        "1",
        "--approve",
        "--code",
        "X",
        "--on-behalf-of",
        "a@b.c",
        "--reason",
        "r",
    ),
    "approvals decide: unknown kind": ("approvals", "decide", "invoice", "1", "approve", "--code", "X"),
    "approvals decide: id 2^63": ("approvals", "decide", "registration", BIG, "approve", "--code", "X"),
    "approvals decide: on behalf without reason": (
        "approvals",
        "decide",
        "registration",
        "1",
        "approve",
        "--on-behalf-of",
        "manager@vendor.example",
    ),
    "approvals decide: on behalf of a stranger": (
        "approvals",
        "decide",
        "registration",
        "1",
        "approve",
        "--on-behalf-of",
        "x@evil.example",
        "--reason",
        "r",
    ),
    "approvals decide: odd decision": ("approvals", "decide", "registration", "1", "nuke", "--code", "X"),
    "commissions explain: id 2^63": ("commissions", "explain", BIG),
    "commissions explain: unknown": ("commissions", "explain", "99999"),
    "commissions payment-file: month 13": ("commissions", "payment-file", "2026-13"),
    "commissions payment-file: words": ("commissions", "payment-file", "last month"),
    "commissions payment-file: year 99999": ("commissions", "payment-file", "99999-01"),
    "commissions statements: month 0": ("commissions", "statements", "--period", "2026-00"),
    "campaigns status: id 2^63": ("campaigns", "status", BIG),
    "campaigns status: unknown": ("campaigns", "status", "99999"),
    "rebalance: year 0": ("rebalance", "--year", "0"),
    "leads import: missing file": ("leads", "import", "{dir}/absent.csv"),
    "leads import: a folder": ("leads", "import", "{dir}"),
    "policy validate: missing file": ("policy", "validate", "{dir}/absent.yaml"),
    "partners remove: id 2^63": ("partners", "remove", BIG, "--cause", "training", "--reason", "r"),
    "partners remove: unknown partner": (
        "partners",
        "remove",
        "99999",
        "--cause",
        "training",
        "--reason",
        "r",
    ),
    "partners remove: unknown cause": ("partners", "remove", "1", "--cause", "boredom", "--reason", "r"),
    "partners remove: a NUL in the reason": (
        "partners",
        "remove",
        "1",
        "--cause",
        "training",
        "--reason",
        "a\x00b",
    ),
    "partners remove: a 1 MB reason": (
        "partners",
        "remove",
        "1",
        "--cause",
        "training",
        "--reason",
        "x" * 1_000_000,
    ),
    "health: partner 2^63": ("health", "--partner", BIG),
    "health exits: year 0": ("health", "exits", "--year", "0"),
    "survey results: by nothing": ("survey", "results", "--by", "nothing"),
    "candidates list: odd status": ("candidates", "list", "--status", "maybe"),
}
for name, args in FLAG_PROBLEMS.items():
    CASES[name] = Case(args, {})

LEAD_HEADER = b"event_id,lead_id,departement,reseller_id,kind,occurred_at\n"
LEAD_PROBLEMS: dict[str, bytes] = {
    "binary": b"\x00\x00\x00",
    "latin-1": LEAD_HEADER + "e1,l1,69,1,received,2026-01-05T10:00:00+01:00 é".encode("latin-1"),
    "year 9999 with an offset": LEAD_HEADER + b"e1,l1,69,1,received,9999-12-31T23:59:59-14:00\n",
    "year 0001 with an offset": LEAD_HEADER + b"e1,l1,69,1,received,0001-01-01T00:00:00+14:00\n",
    "no header": b"e1,l1,69,1,received,2026-01-05T10:00:00+01:00\n",
    "huge cell": LEAD_HEADER + b"e1," + b"l" * 300_000 + b",69,1,received,2026-01-05T10:00:00+01:00\n",
    "reseller 2^63": LEAD_HEADER + f"e1,l1,69,{2**63},received,2026-01-05T10:00:00+01:00\n".encode(),
}
for name, content in LEAD_PROBLEMS.items():
    CASES[f"leads import: {name}"] = Case(("leads", "import", "{dir}/leads.csv"), {"leads.csv": content})

POLICY_PROBLEMS: dict[str, bytes] = {
    "binary": b"\x00\x01",
    "not YAML": b"kind: [unclosed\n",
    "a list": b"- 1\n- 2\n",
    "unknown kind": b"kind: free_money\nversion: '1'\n",
    "deep nesting": b"a: " + b"[" * 5000 + b"]" * 5000 + b"\n",
}
for name, content in POLICY_PROBLEMS.items():
    CASES[f"policy validate: {name}"] = Case(
        ("policy", "validate", "{dir}/policy.yaml"), {"policy.yaml": content}
    )


def counts(engine: Engine) -> tuple[int, ...]:
    with Session(engine) as session:
        return tuple(
            session.exec(select(func.count()).select_from(table)).one()
            for table in (Registration, Campaign, LeadEvent, Notification, AuditEvent)
        )


def test_the_corpus_covers_every_entry_point_with_enough_cases() -> None:
    assert len(CASES) >= 150
    commands = {case.args[0] for case in CASES.values()}
    assert {
        "deals",
        "campaigns",
        "review",
        "approvals",
        "commissions",
        "leads",
        "policy",
        "rebalance",
    } <= commands


@pytest.mark.parametrize("name", list(CASES))
def test_hostile_input_gets_a_clear_answer_and_no_traceback(
    name: str, engine: Engine, network: dict[str, int], tmp_path: Path
) -> None:
    case = CASES[name]
    good = submission(network["first"])
    for file_name, content in case.files.items():
        (tmp_path / file_name).write_bytes(content(good) if callable(content) else content)
    args = [arg.replace("{dir}", str(tmp_path)) for arg in case.args]
    before = counts(engine)
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()

    result = runner.invoke(app, args)

    elapsed = time.monotonic() - started
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before) / 1024
    output = result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{name}: raised {result.exception!r}"
    )
    assert "Traceback" not in output, output
    assert elapsed < 20, f"{name}: {elapsed:.1f} s"
    assert grown_mb < 300, f"{name}: the process grew {grown_mb:.0f} MB"
    if case.refused_outright:
        assert result.exit_code in (1, 2), f"{name}: exit {result.exit_code}: {output[-500:]}"
        assert 0 < len(output.strip().splitlines()) <= 8, f"{name}: {output[-2000:]}"
        assert counts(engine)[:3] == before[:3], f"{name}: something was written"
    else:  # a row refused by validation or rejected by the policy: recorded, with its reasons
        assert result.exit_code == 0, f"{name}: exit {result.exit_code}: {output[-500:]}"
        table = Campaign if case.args[0] == "campaigns" else Registration
        with Session(engine) as session:
            stored = session.exec(select(table).order_by(table.id.desc())).first()  # type: ignore[attr-defined]
        assert stored is not None, name
        outcome = getattr(stored, "outcome", None) or str(stored.status)
        assert outcome in ("refused", "reject"), f"{name}: {outcome}"
        assert stored.problems or stored.reason, name


def test_text_that_looks_like_sql_or_markup_is_kept_as_typed(
    engine: Engine, network: dict[str, int], tmp_path: Path
) -> None:
    name = "Acme'); DROP TABLE registration; -- <b>&amp;</b>"
    rows = tmp_path / "rows.json"
    rows.write_bytes(_json([submission(network["first"], customer_name=name)]))
    assert runner.invoke(app, ["deals", "submit", str(rows), "--no-start-reviews"]).exit_code == 0
    with Session(engine) as session:
        assert session.exec(select(Registration.customer_name)).all() == [name]


BILLION_LAUGHS = b"kind: deal_registration\na: &a [x, x, x, x, x, x, x, x, x]\n" + b"".join(
    f"{chr(98 + n)}: &{chr(98 + n)} [{', '.join([f'*{chr(97 + n)}'] * 9)}]\n".encode() for n in range(8)
)


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (BILLION_LAUGHS, "anchors and aliases"),
        (b"a: " + b"[" * 40 + b"]" * 40 + b"\n", "nested deeper than 32"),
        (b"# " + b"x" * 600_000 + b"\n", "larger than 512 KB"),
    ],
)
def test_a_policy_file_cannot_exhaust_memory_or_the_stack(tmp_path: Path, content: bytes, said: str) -> None:
    path = tmp_path / "2026-01-01.yaml"
    path.write_bytes(content)
    started = time.monotonic()
    result = runner.invoke(app, ["policy", "validate", str(path)])
    assert result.exit_code == 1 and said in result.output, result.output
    assert time.monotonic() - started < 5


@pytest.mark.parametrize(
    ("condition", "said"),
    [
        ("deal.amount > 1.0 || " * 5000 + ")", "at most 2000"),
        ("(" * 200 + "deal.amount > 1.0" + ")" * 200, "nested deeper than 32"),
    ],
)
def test_a_rule_condition_cannot_crash_the_cel_engine(tmp_path: Path, condition: str, said: str) -> None:
    from tests.factories import shipped_deal_policy, write_policy

    text = shipped_deal_policy(**{"when: deal.amount > 250000.0": f"when: '{condition}'"})
    path = write_policy(tmp_path, text)
    result = runner.invoke(app, ["policy", "validate", str(path)])
    assert result.exit_code == 1 and said in result.output, result.output


def test_the_file_size_limit_is_a_setting(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from partnerflow.settings import get_settings

    monkeypatch.setenv("PARTNERFLOW_MAX_INPUT_FILE_MB", "1")
    get_settings.cache_clear()
    rows = tmp_path / "rows.json"
    rows.write_bytes(_json([{"notes": "x" * 600_000}] * 2))
    result = runner.invoke(app, ["deals", "submit", str(rows)])
    assert result.exit_code == 2
    assert "larger than 1 MB (PARTNERFLOW_MAX_INPUT_FILE_MB); split it" in result.output
    assert counts(engine)[0] == 0
