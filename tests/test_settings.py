"""Settings refuse unsafe production setups and are built lazily."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from partnerflow.settings import Settings, SmtpSecurity

REAL_IBAN = "FR1420041010050500013M02606"


def test_production_refuses_clear_text_smtp_to_a_network_host() -> None:
    with pytest.raises(ValidationError, match="PARTNERFLOW_SMTP_SECURITY=none"):
        Settings(
            environment="production",
            smtp_host="smtp.vendor.example",
            smtp_security=SmtpSecurity.NONE,
        )


def test_production_accepts_a_loopback_relay_without_tls() -> None:
    settings = Settings(environment="production", smtp_host="127.0.0.1", payer_iban=REAL_IBAN)
    assert settings.smtp_security is SmtpSecurity.NONE


def test_production_refuses_to_pay_from_the_demo_account() -> None:
    with pytest.raises(ValidationError, match="PARTNERFLOW_PAYER_IBAN"):
        Settings(environment="production", smtp_host="127.0.0.1")


def test_environment_variables_configure_the_database(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARTNERFLOW_DATABASE_URL", "postgresql+psycopg://u@h/db")
    assert Settings().database_url == "postgresql+psycopg://u@h/db"
