"""Secrets never reach a terminal or a log line, even when the settings are wrong.

Measured before: in production with a remote SMTP host and ``PARTNERFLOW_SMTP_SECURITY`` unset,
every command printed a traceback ending with pydantic's message, which quotes every input: the
SMTP password and the secret key in clear.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from partnerflow.cli import app
from partnerflow.settings import SettingsProblem, get_settings

PASSWORD, KEY = "hunter2-very-secret-password", "a-production-secret-key-of-some-length"


@pytest.fixture
def production_with_a_clear_text_remote_smtp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name, value in {
        "PARTNERFLOW_ENVIRONMENT": "production",
        "PARTNERFLOW_SMTP_HOST": "smtp.example.com",
        "PARTNERFLOW_SMTP_PASSWORD": PASSWORD,
        "PARTNERFLOW_SECRET_KEY": KEY,
        "PARTNERFLOW_PAYER_IBAN": "FR7630006000011234567890189",
        "PARTNERFLOW_LOG_DIR": str(tmp_path / "log"),
        "PARTNERFLOW_DATABASE_URL": f"sqlite:///{tmp_path / 'partnerflow.db'}",
    }.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def test_a_command_says_which_setting_is_wrong_and_never_its_value(
    production_with_a_clear_text_remote_smtp: Path,
) -> None:
    result = CliRunner().invoke(app, ["deals", "list"])
    assert result.exit_code == 2
    assert result.output.strip() == (
        "settings: PARTNERFLOW_SMTP_SECURITY=none is only allowed for a loopback SMTP host in "
        "production; set it to starttls or tls"
    )
    written = "".join(path.read_text() for path in production_with_a_clear_text_remote_smtp.rglob("*.log"))
    assert PASSWORD not in result.output + written and KEY not in result.output + written


def test_the_problem_raised_in_code_carries_no_value_either(
    production_with_a_clear_text_remote_smtp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PARTNERFLOW_WEB_PORT", PASSWORD)
    with pytest.raises(SettingsProblem) as raised:
        get_settings()
    assert "PARTNERFLOW_WEB_PORT: Input should be a valid integer" in raised.value.problems[0]
    assert PASSWORD not in repr(raised.value) and raised.value.__cause__ is None
    assert raised.value.__suppress_context__ or raised.value.__context__ is None
