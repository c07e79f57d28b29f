"""What the vendor's marketing or web forms hand over as a lead, and every reason one is refused.

The same :class:`LeadSubmission` is a row of ``partnerflow leads submit FILE``, an item of the
``lead-intake`` deployment and the body of ``POST /api/v1/vendor/leads``. A value is stored as
written or refused with its reason: a phone number keeps its spaces, an e-mail its case is
folded only in the domain, consent is a yes or no, never guessed from an empty cell.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from email_validator import EmailNotValidError, validate_email
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from partnerflow.catalogue import known_lines
from partnerflow.customers import names_a_company
from partnerflow.field_problems import field_problems
from partnerflow.schema_hints import OPTIONAL, blank_is_none, one_of
from partnerflow.territories import CODES as DEPARTEMENT_CODES
from partnerflow.territories import ORDERED_CODES
from partnerflow.text import CONTROL_CHARACTERS

PHONE = re.compile(r"\+?[0-9][0-9 .()\-]{4,24}", re.ASCII)
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
CLOCK_SKEW = timedelta(minutes=5)  # the sender's clock may run a little ahead of ours
MAX_NOTE = 2000


class LeadSubmission(BaseModel):
    """A prospect handed to the channel: who, where, for what, and whether they agreed to be
    contacted by a reseller."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    external_id: str = Field(
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9._:/-]+$",
        description="The sender's reference: the same lead submitted again creates nothing new",
    )
    company: Annotated[str, AfterValidator(names_a_company)] = Field(
        min_length=1, max_length=200, description="The prospect's company"
    )
    contact_name: str = Field(min_length=1, max_length=200, description="The person to call")
    contact_email: str | None = Field(default=None, max_length=254, json_schema_extra=OPTIONAL)
    contact_phone: str | None = Field(default=None, max_length=40, json_schema_extra=OPTIONAL)
    departement: str = Field(
        min_length=2,
        max_length=3,
        description="Where the prospect is: the département's INSEE code (69 Rhône, 2A Corse-du-Sud)",
        json_schema_extra=one_of(lambda: ORDERED_CODES),
    )
    product_lines: Annotated[list[str], AfterValidator(known_lines)] = Field(
        min_length=1, max_length=10, description="What the prospect asked about (from the catalogue)"
    )
    source: str = Field(
        min_length=1, max_length=60, description="Where the lead came from (web form, trade fair)"
    )
    consent: bool = Field(description="The prospect agreed to be contacted by a reseller (true or false)")
    received_at: AwareDatetime | None = Field(
        default=None, description="When the vendor received it, with its offset; now when not given"
    )
    note: str = Field(default="", max_length=MAX_NOTE, description="What the prospect said")

    @field_validator("contact_email", "contact_phone", "received_at", mode="before")
    @classmethod
    def _blank_means_not_given(cls, value: Any) -> Any:
        return blank_is_none(value)

    @field_validator("contact_email", mode="after")
    @classmethod
    def _an_address(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            checked = validate_email(value, check_deliverability=False)
        except EmailNotValidError as error:
            raise ValueError(f"is not an e-mail address: {error}") from None
        return checked.normalized

    @field_validator("contact_phone", mode="after")
    @classmethod
    def _a_phone_number(cls, value: str | None) -> str | None:
        if value is None:
            return None
        digits = sum(character.isdigit() for character in value)
        if not PHONE.fullmatch(value) or not 6 <= digits <= 15:
            raise ValueError("is not a phone number (digits, spaces, dots, dashes, an optional leading +)")
        return value

    @field_validator("departement", mode="after")
    @classmethod
    def _official_code(cls, value: str) -> str:
        if value not in DEPARTEMENT_CODES:
            raise ValueError("is not a French département (INSEE code: 01 to 95, 2A, 2B, 971 to 974, 976)")
        return value

    @field_validator("*", mode="after")
    @classmethod
    def _plain_text(cls, value: Any, info: ValidationInfo) -> Any:
        """Shown on pages and in e-mails: no control characters (line breaks in the note only)."""
        allowed = {"\n"} if info.field_name == "note" else set()
        for text in value if isinstance(value, list) else [value]:
            if isinstance(text, str) and set(text) & (CONTROL_CHARACTERS - allowed):
                raise ValueError("contains a control character")
        return value


def parse_lead(raw: dict[str, Any], *, now: datetime) -> LeadSubmission | tuple[str, ...]:
    """``raw`` as a submission, or every reason it is refused (not only the first)."""
    cleaned = {
        key: (
            [part.strip() for part in value.split(";") if part.strip()] if key == "product_lines" else value
        )
        if isinstance(value, str)
        else value
        for key, value in raw.items()
    }
    try:
        lead = LeadSubmission.model_validate(cleaned)
    except ValidationError as error:
        return field_problems(error, noun="a lead")
    if lead.contact_email is None and lead.contact_phone is None:
        return ("give the contact's e-mail or phone: a reseller must be able to reach the prospect",)
    if lead.received_at is not None and lead.received_at > now + CLOCK_SKEW:
        return (f"received_at {lead.received_at.isoformat()} is in the future",)
    if lead.received_at is not None and lead.received_at < EARLIEST:
        return (f"received_at {lead.received_at.isoformat()} is before {EARLIEST.year}",)
    return lead
