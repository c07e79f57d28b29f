"""``partnerflow campaigns`` from the terminal."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session
from typer.testing import CliRunner

from partnerflow.campaigns.signoffs import apply_signoffs, campaign_subject
from partnerflow.cli import app
from tests.factories import NOW, answer_as, applying, ask, campaign_request

runner = CliRunner()


def submit(tmp_path: Path, raw: dict[str, object]) -> list[dict[str, object]]:
    from prefect.settings import PREFECT_API_URL, temporary_settings

    path = tmp_path / "campaign.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    with temporary_settings(updates={PREFECT_API_URL: "http://127.0.0.1:9/api"}):
        result = runner.invoke(app, ["campaigns", "submit", str(path), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_submit_opens_the_sign_offs_and_explains_a_missing_server(
    engine: Engine, signers: dict[str, str], tmp_path: Path
) -> None:
    [result] = submit(tmp_path, campaign_request())
    assert result["status"] == "awaiting-signoff" and result["signoff_runs"] == {}


def test_an_invalid_request_is_refused_with_its_reasons(
    engine: Engine, signers: dict[str, str], tmp_path: Path
) -> None:
    [result] = submit(tmp_path, campaign_request(discount_pct="0"))
    assert result["status"] == "refused" and result["problems"] == [
        "discount_pct: Input should be greater than 0"
    ]


def test_status_lists_each_sign_off_and_what_is_pending(
    engine: Engine, signers: dict[str, str], tmp_path: Path
) -> None:
    [result] = submit(tmp_path, campaign_request())
    with Session(engine) as session:
        campaign_id = int(str(result["campaign_id"]))
        subject = campaign_subject(campaign_id)
        ask(session, subject, "supply-chain")
        answer_as(session, subject, signers["supply-chain"], "approve", details={"confirmed_quantity": 800})
        apply_signoffs(applying(session, now=NOW), campaign_id)
        session.commit()
    status = json.loads(
        runner.invoke(app, ["campaigns", "status", str(result["campaign_id"]), "--json"]).output
    )
    assert status["pending_roles"] == ["channel-sales", "channel-ops"]
    [signoff] = status["signoffs"]
    assert (signoff["role"], signoff["details"]) == (
        "supply-chain",
        {"confirmed_quantity": 800},
    )
