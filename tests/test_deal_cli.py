"""``partnerflow deals`` and ``review`` from the terminal: files in, one result per row, clear refusals."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session
from typer.testing import CliRunner

from partnerflow.cli import app
from partnerflow.models import Registration, RegistrationStatus
from tests.factories import submission

runner = CliRunner()


def run(*args: str) -> Any:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def write_json(tmp_path: Path, rows: Any, name: str = "deals.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(rows), encoding="utf-8")
    return path


def test_submit_json_prints_one_result_per_row(
    engine: Engine, network: dict[str, int], tmp_path: Path
) -> None:
    rows = [submission(network["first"]), submission(network["second"], amount="-1")]
    results = run("deals", "submit", str(write_json(tmp_path, rows)), "--json", "--no-start-reviews")
    assert [(r["outcome"], r["rule_id"]) for r in results] == [
        ("approve", "small-trusted"),
        ("refused", None),
    ]
    assert results[1]["problems"] == ["amount must be greater than 0"]
    assert results[0]["policy_version"] == "2026-01-01"


def test_submit_csv_uses_the_same_field_names(
    engine: Engine, network: dict[str, int], tmp_path: Path
) -> None:
    path = tmp_path / "deals.csv"
    path.write_text(
        "partner_id,customer_name,customer_email,customer_departement,product_lines,amount,"
        "expected_close_on\n"
        f"{network['first']},Acme SAS,buyer@acme.fr,69,network;wifi,12000.00,2027-02-15\n",
        encoding="utf-8",
    )
    [result] = run("deals", "submit", str(path), "--json", "--no-start-reviews")
    assert result["outcome"] == "approve"


def test_malformed_file_is_explained(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text("[{", encoding="utf-8")
    result = runner.invoke(app, ["deals", "submit", str(path)])
    assert result.exit_code == 2 and "not JSON" in result.output and "Traceback" not in result.output


def test_escalated_rows_without_a_server_are_explained_not_lost(
    engine: Engine, network: dict[str, int], tmp_path: Path
) -> None:
    from prefect.settings import PREFECT_API_URL, temporary_settings

    rows = write_json(tmp_path, [submission(network["newcomer"])])
    with temporary_settings(updates={PREFECT_API_URL: "http://127.0.0.1:9/api"}):
        result = runner.invoke(app, ["deals", "submit", str(rows)])
    assert result.exit_code == 0 and "review run not started" in result.output
    with Session(engine) as session:
        assert session.get(Registration, 1).status == RegistrationStatus.PENDING_REVIEW  # type: ignore[union-attr]


def test_update_of_a_registration_not_waiting_for_information_is_refused(
    engine: Engine, network: dict[str, int], tmp_path: Path
) -> None:
    run("deals", "submit", str(write_json(tmp_path, [submission(network["first"])])), "--json")
    result = runner.invoke(
        app, ["deals", "update", "1", str(write_json(tmp_path, {"amount": "5"}, "u.json"))]
    )
    assert result.exit_code == 1 and "only one waiting for information can be updated" in result.output


def test_extend_then_refuse_the_second_extension(
    engine: Engine, network: dict[str, int], tmp_path: Path
) -> None:
    run("deals", "submit", str(write_json(tmp_path, [submission(network["first"])])), "--json")
    assert run("deals", "extend", "1", "--json")["granted"] is True
    assert run("deals", "extend", "1", "--json")["granted"] is False


def test_review_list_shows_the_next_sla_step(engine: Engine, network: dict[str, int], tmp_path: Path) -> None:
    run(
        "deals",
        "submit",
        str(write_json(tmp_path, [submission(network["newcomer"])])),
        "--json",
        "--no-start-reviews",
    )
    [review] = run("review", "list", "--json")
    assert (review["level"], review["next_sla_step"]) == ("channel-manager", "reminder")


def test_review_decide_needs_exactly_one_decision(engine: Engine) -> None:
    result = runner.invoke(app, ["review", "decide", "1", "--approve", "--reject", "--code", "ABCDE-FGHJK"])
    assert result.exit_code == 2 and "exactly one" in result.output


@pytest.mark.prefect
def test_closing_a_won_deal_emits_the_deal_closed_event(
    prefect_server: None, engine: Engine, network: dict[str, int], tmp_path: Path
) -> None:
    from prefect.client.orchestration import get_client

    run("deals", "submit", str(write_json(tmp_path, [submission(network["first"])])), "--json")
    result = runner.invoke(app, ["deals", "close", "1", "--won", "--amount", "11800", "--date", "2027-01-10"])
    assert result.exit_code == 0, result.output
    expected = {
        "registration_id": 1,
        "partner_id": network["first"],
        "amount": "11800",
        "currency": "EUR",
        "closed_on": "2027-01-10",
    }
    deadline, payloads = time.monotonic() + 20, []
    while time.monotonic() < deadline and expected not in payloads:
        with get_client(sync_client=True) as client:
            response = client.request(
                "POST",
                "/events/filter",
                json={"filter": {"event": {"name": ["partnerflow.deal.closed"]}}, "limit": 50},
            )
        # The server is shared by the session's tests: look for this test's event among others.
        payloads = [event["payload"] for event in response.json()["events"]]
        time.sleep(0.5)
    assert expected in payloads


def test_a_file_whose_rows_carry_an_external_id_can_be_submitted_twice_and_creates_nothing_new(
    engine: Engine, network: dict[str, int], tmp_path: Path
) -> None:
    from sqlalchemy import func
    from sqlmodel import select

    from partnerflow.models import Notification

    rows = [
        submission(network["first"], external_id="CRM-0001"),
        submission(network["newcomer"], customer_email="buyer@beta.fr", external_id="CRM-0002"),
    ]
    path = write_json(tmp_path, rows)
    first = run("deals", "submit", str(path), "--json", "--no-start-reviews")

    def totals() -> tuple[int, int]:
        with Session(engine) as session:
            return (
                session.exec(select(func.count()).select_from(Registration)).one(),
                session.exec(select(func.count()).select_from(Notification)).one(),
            )

    before = totals()
    again = run("deals", "submit", str(path), "--json", "--no-start-reviews")
    assert [(r["registration_id"], r["outcome"]) for r in again] == [
        (r["registration_id"], r["outcome"]) for r in first
    ]
    assert totals() == before, "no registration and no e-mail added"


def test_an_external_id_is_a_simple_reference(
    engine: Engine, network: dict[str, int], tmp_path: Path
) -> None:
    [result] = run(
        "deals",
        "submit",
        str(write_json(tmp_path, [submission(network["first"], external_id="a b\\c")])),
        "--json",
    )
    assert result["outcome"] == "refused"
    assert result["problems"] == ["external_id may hold only letters, digits and . _ : / -"]


def test_a_big_file_is_summed_up_with_its_refused_rows(
    engine: Engine, network: dict[str, int], tmp_path: Path
) -> None:
    rows = [
        submission(network["newcomer"], customer_email=f"buyer@client{n}.fr", external_id=f"CRM-{n}")
        for n in range(2500)
    ]
    rows[1700]["amount"] = "-5"
    result = runner.invoke(app, ["deals", "submit", str(write_json(tmp_path, rows)), "--no-start-reviews"])
    assert result.exit_code == 0, result.output
    assert "2,500 rows taken in (1 refused, 2,499 review)" in result.output
    assert "row 1701: refused: amount must be greater than 0" in result.output


def test_a_chunk_failing_unexpectedly_is_taken_row_by_row_and_only_the_row_at_fault_is_lost(
    engine: Engine, network: dict[str, int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bulk intake of the chunk fails; each row is then taken alone, the one that fails
    again is named with the log of its traceback, the others are recorded (exit 1)."""
    from partnerflow.registration import intake

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("bulk intake broke")

    original = intake.take_in

    def fails_on_beta(session: Session, raw: dict[str, Any], **kwargs: Any) -> Any:
        if raw["customer_email"] == "buyer@beta.fr":
            raise RuntimeError("this row breaks something")
        return original(session, raw, **kwargs)

    monkeypatch.setattr("partnerflow.cli.file_intake.take_in_many", broken)
    monkeypatch.setattr("partnerflow.cli.file_intake.take_in", fails_on_beta)
    rows = [
        submission(network["first"]),
        submission(network["newcomer"], customer_email="buyer@beta.fr"),
        submission(network["newcomer"], customer_email="buyer@gamma.fr"),
    ]
    result = runner.invoke(
        app, ["deals", "submit", str(write_json(tmp_path, rows)), "--json", "--no-start-reviews"]
    )
    assert result.exit_code == 1
    assert "row 2: not recorded: RuntimeError; see " in result.stderr
    recorded = json.loads(result.stdout)
    assert [(r["row"], r["outcome"]) for r in recorded] == [(1, "approve"), (3, "review")]
