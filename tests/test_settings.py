"""Settings refuse unsafe production setups and are built lazily."""

from __future__ import annotations

import pytest
from pydantic import SecretStr, ValidationError

from partnerflow.settings import Settings, SmtpSecurity

SECRET = SecretStr("a production secret key, long enough")
REAL_IBAN = "FR1420041010050500013M02606"


def test_production_refuses_clear_text_smtp_to_a_network_host() -> None:
    with pytest.raises(ValidationError, match="PARTNERFLOW_SMTP_SECURITY=none"):
        Settings(
            environment="production",
            smtp_host="smtp.vendor.example",
            smtp_security=SmtpSecurity.NONE,
        )


def test_production_accepts_a_loopback_relay_without_tls() -> None:
    settings = Settings(
        environment="production",
        smtp_host="127.0.0.1",
        payer_iban=REAL_IBAN,
        secret_key=SECRET,
        web_url="https://partners.vendor.example",
    )
    assert settings.smtp_security is SmtpSecurity.NONE


def test_production_refuses_to_pay_from_the_demo_account() -> None:
    with pytest.raises(ValidationError, match="PARTNERFLOW_PAYER_IBAN"):
        Settings(environment="production", smtp_host="127.0.0.1", secret_key=SECRET)


def test_production_refuses_to_run_without_a_secret_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PARTNERFLOW_SECRET_KEY", raising=False)
    with pytest.raises(ValidationError, match="PARTNERFLOW_SECRET_KEY must be set in production"):
        Settings(environment="production", smtp_host="127.0.0.1", payer_iban=REAL_IBAN)


def test_production_refuses_a_stopped_clock() -> None:
    with pytest.raises(ValidationError, match="PARTNERFLOW_CLOCK_AT stops the programme's clock"):
        Settings(
            environment="production",
            smtp_host="127.0.0.1",
            payer_iban=REAL_IBAN,
            secret_key=SECRET,
            web_url="https://partners.vendor.example",
            clock_at="2027-04-02T08:00:00+00:00",
        )


def test_a_stopped_clock_needs_its_offset() -> None:
    with pytest.raises(ValidationError, match="timezone"):
        Settings(clock_at="2027-04-02T08:00:00")


def test_the_secret_key_is_never_shown() -> None:
    settings = Settings(secret_key=SECRET)
    assert SECRET.get_secret_value() not in repr(settings) and SECRET.get_secret_value() not in str(
        settings.model_dump()
    )


def test_environment_variables_configure_the_database(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARTNERFLOW_DATABASE_URL", "postgresql+psycopg://u@h/db")
    assert Settings().database_url == "postgresql+psycopg://u@h/db"
