"""Runtime configuration, read from ``PARTNERFLOW_*`` environment variables (or ``.env``).

Settings are built lazily by :func:`get_settings` and never at import time, because
``prefect deploy`` and the test suite import flow modules without a configured environment.
Tests build their own :class:`Settings` and pass it explicitly.
"""

from __future__ import annotations

import ipaddress
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import AwareDatetime, Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEMO_PAYER_IBAN = "FR7630004000011234567890173"  # a made-up BNP Paribas (bank 30004) account, valid keys


class SmtpSecurity(StrEnum):
    """How the SMTP connection is protected: none (loopback sinks only), STARTTLS, or implicit TLS."""

    NONE = "none"
    STARTTLS = "starttls"
    TLS = "tls"


class Settings(BaseSettings):
    """Everything an operator can configure; the defaults run the demo on one laptop."""

    model_config = SettingsConfigDict(env_prefix="PARTNERFLOW_", env_file=".env", extra="ignore")

    environment: Literal["development", "production"] = "development"
    database_url: str = Field(
        default=f"sqlite:///{PROJECT_ROOT / 'var' / 'partnerflow.db'}",
        description="SQLAlchemy URL: sqlite:///path or postgresql+psycopg://user@host/db",
    )
    policies_dir: Path = PROJECT_ROOT / "policies"
    templates_dir: Path = PROJECT_ROOT / "email_templates"
    mail_dir: Path = Field(
        default=PROJECT_ROOT / "var" / "mail",
        description="Where the local SMTP sink writes .eml files",
    )
    default_locale: Literal["fr", "en"] = Field(
        default="fr",
        description="The language of pages shown to someone partnerflow cannot identify (an altered link)",
    )
    prefect_ui_url: str = Field(
        default="http://127.0.0.1:4200",
        description="The Prefect UI as reviewers reach it: the links in their e-mails point here",
    )
    prefect_home: Path = Field(
        default=PROJECT_ROOT / "var" / "prefect",
        description="Where `partnerflow up` keeps the local Prefect server's database and log",
    )
    currency: str = Field(
        default="EUR",
        pattern=r"^[A-Z]{3}$",
        description=(
            "The programme's currency (ISO 4217): deals, campaigns and commissions are in it; a deal "
            "registered in another one is refused, since no plan prices it"
        ),
    )
    product_lines: list[str] = Field(
        default=["network", "wifi", "security", "switching", "storage", "software", "services"],
        min_length=1,
        description=(
            "The catalogue's product lines: what a registration or a campaign may name (the forms "
            'offer them as a list); JSON, e.g. ["network", "wifi"]'
        ),
    )
    schedule_intervals: dict[str, float] = Field(
        default_factory=dict,
        description=(
            "Deployment name -> seconds: served by `partnerflow up` on this interval instead of the "
            'schedule in prefect.yaml (e.g. {"deliver-notifications": 30}); for trials and tests'
        ),
    )
    crash_reruns: int = Field(
        default=3,
        ge=0,
        description="How many times recover-crashed-runs starts a crashed run again before leaving it",
    )
    clock_at: AwareDatetime | None = Field(
        default=None,
        description=(
            "Stop the programme's clock at this instant (ISO 8601 with offset) in every process that "
            "reads these settings, flow runs included: trials and tests only, refused in production"
        ),
    )
    run_start_timeout: int = Field(
        default=300,
        ge=60,
        le=86_400,
        description=(
            "Seconds a run taken by a worker may take to start before the never-started watchdog "
            "marks it Crashed (its worker died meanwhile); applied by `partnerflow automations apply`"
        ),
    )

    secret_key: SecretStr | None = Field(
        default=None,
        description=(
            "Signs approval links, codes and wake-ups; required in production, the same on every "
            "host; never printed. Unset in development: a random key kept in secret_key_file"
        ),
    )
    secret_key_file: Path = PROJECT_ROOT / "var" / "secret_key"
    web_url: str = Field(
        default="http://127.0.0.1:4280",
        description="The approval page as approvers reach it: the personal links in e-mails point here",
    )
    web_host: str = Field(default="127.0.0.1", description="Where `partnerflow up` serves the approval page")
    web_port: int = 4280
    web_max_body_kb: int = Field(
        default=64, ge=1, le=10_240, description="The largest request the approval page reads (413 beyond)"
    )
    web_posts_per_minute: int = Field(
        default=120,
        ge=1,
        description=(
            "Form posts the web app takes from one client address in a minute (429 beyond): a "
            "flood of sign-in, referral or answer posts stops here"
        ),
    )
    webhooks_allow_private: bool = Field(
        default=False,
        description=(
            "Let partners' webhook endpoints be private, loopback or plain-http addresses: for tests "
            "and a development machine only (partnerflow then POSTs inside its own network)"
        ),
    )
    api_requests_per_minute: int = Field(
        default=600,
        ge=1,
        description="Requests one partner API key may make per minute (429 with Retry-After beyond)",
    )
    max_input_file_mb: int = Field(
        default=200, ge=1, le=10_240, description="The largest file a command reads (deals, campaigns, leads)"
    )
    lead_contact_retention_days: int = Field(
        default=1095,
        ge=30,
        le=3650,
        description="Days a prospect's name, e-mail, phone and note are kept after the lead came in (then "
        "blanked by purge-lead-contacts, audited; the CNIL's guidance for B2B prospects is 3 years)",
    )

    log_dir: Path = Field(
        default=PROJECT_ROOT / "var" / "log",
        description="Where the command line keeps the traceback of an unexpected error (errors.log)",
    )
    reports_dir: Path = Field(
        default=PROJECT_ROOT / "var" / "reports", description="Where the rebalancing writes its CSV and HTML"
    )
    payer_name: str = Field(default="Vendor Demo SAS", description="Debtor name on SEPA payment files")
    payer_iban: str = Field(default=DEMO_PAYER_IBAN, description="Account commissions are paid from")
    payer_bic: str = "BNPAFRPPXXX"
    payments_dir: Path = Field(
        default=PROJECT_ROOT / "var" / "payments",
        description="Where settlement writes the SEPA pain.001 and CSV files, one folder per period",
    )

    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_security: SmtpSecurity = SmtpSecurity.NONE
    smtp_timeout_seconds: float = 30.0
    mail_sender: str = "Programme Partenaires <partners@example.com>"
    programme_contact: str = Field(
        default="partenaires@example.com",
        description="where partners and customers write with a question: in every e-mail's footer",
    )
    mail_batch_size: int = Field(default=500, ge=1)
    mail_connections: int = Field(default=2, ge=1, le=16)
    mail_max_attempts: int = Field(default=8, ge=1)

    @model_validator(mode="after")
    def _refuse_unsafe_production_defaults(self) -> Settings:
        """A production install must not send partner mail in clear text over the network."""
        clear_text = self.smtp_security is SmtpSecurity.NONE
        if self.environment == "production" and clear_text and not is_loopback(self.smtp_host):
            raise ValueError(
                "PARTNERFLOW_SMTP_SECURITY=none is only allowed for a loopback SMTP host in "
                "production; set it to starttls or tls"
            )
        if self.environment == "production" and self.secret_key is None:
            raise ValueError(
                "PARTNERFLOW_SECRET_KEY must be set in production (the same on every host): it signs "
                "the approval links"
            )
        if self.environment == "production" and self.payer_iban == DEMO_PAYER_IBAN:
            raise ValueError("PARTNERFLOW_PAYER_IBAN must be set to the real paying account in production")
        if self.environment == "production" and self.clock_at is not None:
            raise ValueError(
                "PARTNERFLOW_CLOCK_AT stops the programme's clock: trials and tests only, not production"
            )
        if self.environment == "production" and not self.web_url.startswith("https://"):
            raise ValueError(
                "PARTNERFLOW_WEB_URL must be an https address in production: the inbox's session "
                "cookie is then sent over TLS only (Secure)"
            )
        return self


def is_loopback(host: str) -> bool:
    """localhost or a loopback address: reachable from this machine only."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class SettingsProblem(Exception):
    """The environment's settings cannot be used. ``problems`` names each variable and what is
    wrong with it, never its value: pydantic's own message quotes every input, the SMTP password
    and the secret key included, and it used to end up on the terminal and in errors.log."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read from the environment on first use.

    Raises:
        SettingsProblem: one line per unusable setting, without the values.
    """
    try:
        return Settings()
    except ValidationError as error:
        problems = [_problem(found) for found in error.errors(include_url=False, include_input=False)]
    raise SettingsProblem(problems)  # outside the except: the original, with its inputs, is not chained


def _problem(found: Any) -> str:
    message = str(found["msg"]).removeprefix("Value error, ")
    if not found["loc"]:  # a rule across settings: its message names the variables
        return message
    return f"PARTNERFLOW_{str(found['loc'][0]).upper()}: {message}"
