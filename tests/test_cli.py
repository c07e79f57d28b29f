"""The command line: clear output, JSON for scripts, exit codes, no tracebacks."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from partnerflow.cli import app
from partnerflow.notify import MailSink
from partnerflow.policy import policy_files
from partnerflow.settings import Settings
from tests.factories import shipped_deal_policy, write_policy

runner = CliRunner()


def test_policy_validate_passes_on_the_shipped_policies(settings: Settings) -> None:
    result = runner.invoke(app, ["policy", "validate"])
    assert result.exit_code == 0, result.output
    shipped = len(policy_files(settings.policies_dir))
    assert f"ok: {shipped} policy file(s)" in result.output


def test_policy_validate_prints_one_line_per_problem_and_exits_1(settings: Settings, tmp_path: Path) -> None:
    broken = shipped_deal_policy(**{"deal.amount > 250000.0": "deal.ammount > 250000.0 &&"})
    path = write_policy(tmp_path / "p", broken)
    result = runner.invoke(app, ["policy", "validate", str(path)])
    assert result.exit_code == 1
    first = result.output.splitlines()[0]
    assert first.startswith(f"{path}:") and ": rule large-deal: when: CEL syntax error" in first


def test_policy_list_json_marks_the_version_in_force(settings: Settings) -> None:
    result = runner.invoke(app, ["policy", "list", "--json", "--as-of", "2026-11-23"])
    rows = json.loads(result.output)
    assert {row["kind"] for row in rows if row["in_force"]} == {
        "deal_registration",
        "discount_campaign",
        "commission_plan",
        "rebalancing",
        "partner_health",
        "partner_admission",
        "referral_programme",
        "lead_routing",
    }


def test_policy_list_with_a_broken_library_explains_instead_of_crashing(
    settings: Settings, tmp_path: Path, monkeypatch
) -> None:
    write_policy(tmp_path, shipped_deal_policy(**{"  days: 90": "  days: [90"}))
    monkeypatch.setenv("PARTNERFLOW_POLICIES_DIR", str(tmp_path))
    from partnerflow.settings import get_settings

    get_settings.cache_clear()
    result = runner.invoke(app, ["policy", "list"])
    assert result.exit_code == 1 and "malformed YAML" in result.output
    assert "Traceback" not in result.output


def test_init_seed_and_send_pending_end_to_end(settings: Settings, smtp_server: MailSink) -> None:
    assert runner.invoke(app, ["init"]).exit_code == 0
    result = runner.invoke(app, ["seed", "--demo", "--json"])
    assert result.exit_code == 0, (result.output, result.exception)
    seeded = json.loads(result.output)
    assert seeded["partners"] > 0
    from demo.run import _queue_welcomes

    assert _queue_welcomes() == 4
    sent = json.loads(runner.invoke(app, ["mail", "send-pending", "--json"]).output)
    assert sent["sent"] == 4 and len(smtp_server.message_files()) == 4
    result = runner.invoke(app, ["mail", "list", "--json", "--status", "sent"])
    assert result.exit_code == 0, (result.output, result.exception)
    listed = json.loads(result.output)
    assert len(listed) == 4


def test_a_database_that_cannot_be_opened_is_explained(settings: Settings, monkeypatch) -> None:
    monkeypatch.setenv("PARTNERFLOW_DATABASE_URL", "sqlite:////nonexistent-dir/x/y.db")
    from partnerflow.db import get_engine
    from partnerflow.settings import get_settings

    get_settings.cache_clear()
    get_engine.cache_clear()
    result = runner.invoke(app, ["mail", "list"])
    assert result.exit_code == 1 and "database unavailable" in result.output


def test_up_explains_a_busy_smtp_port_instead_of_a_traceback(
    settings: Settings, smtp_server: MailSink
) -> None:
    result = runner.invoke(app, ["up", "--smtp-port", str(settings.smtp_port)])
    assert result.exit_code == 1
    assert f"SMTP port {settings.smtp_port} is in use" in result.output
    assert "Traceback" not in result.output


def test_up_always_protects_its_prefect_api_with_an_auth_string_every_process_sends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from partnerflow.orchestration.prefect_api import protect_local_api

    for name in ("PREFECT_SERVER_API_AUTH_STRING", "PREFECT_API_AUTH_STRING"):
        monkeypatch.delenv(name, raising=False)
    made = protect_local_api(tmp_path)
    assert made is not None and made.stat().st_mode & 0o777 == 0o600, "readable by its owner only"
    secret = os.environ["PREFECT_SERVER_API_AUTH_STRING"]
    assert secret.startswith("partnerflow:") and os.environ["PREFECT_API_AUTH_STRING"] == secret
    monkeypatch.delenv("PREFECT_SERVER_API_AUTH_STRING")
    assert protect_local_api(tmp_path) == made and os.environ["PREFECT_SERVER_API_AUTH_STRING"] == secret

    monkeypatch.setenv("PREFECT_SERVER_API_AUTH_STRING", "ops:given-by-the-operator")
    monkeypatch.delenv("PREFECT_API_AUTH_STRING")
    assert protect_local_api(tmp_path / "elsewhere") is None
    assert os.environ["PREFECT_API_AUTH_STRING"] == "ops:given-by-the-operator"
