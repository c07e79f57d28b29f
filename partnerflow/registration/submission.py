"""What a partner submits, and every reason a submission can be refused before evaluation.

The same :class:`DealSubmission` is the ``register-deal`` deployment's form, a row of
``partnerflow deals submit FILE`` and an item of the batch intake; :func:`check_submission`
is the one validation all three go through.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from stdnum.fr import siren as siren_number

from partnerflow.catalogue import known_lines, product_lines, programme_currency
from partnerflow.customers import names_a_company, siren_text
from partnerflow.field_problems import field_problems
from partnerflow.schema_hints import NUMBER, OPTIONAL, blank_is_none, one_of
from partnerflow.settings import get_settings
from partnerflow.territories import CODES as DEPARTEMENT_CODES
from partnerflow.territories import ORDERED_CODES
from partnerflow.text import CONTROL_CHARACTERS, MAX_ID
from partnerflow.values import Amount, IsoDate, WholeNumber

SIREN_DIGITS = re.compile(r"[0-9]{9}", re.ASCII)
MAX_NOTES = 2000
MAX_NAME = 200
MAX_PRODUCT_LINE = 60
_NOTE_BREAKS = {"\n", "\t"}

ProductLine = Annotated[
    str, Field(min_length=1, max_length=MAX_PRODUCT_LINE, json_schema_extra=one_of(product_lines))
]
OPTIONAL_TEXT = ("customer_siren", "customer_domain", "customer_email", "external_id", "referral_code")


class DealSubmission(BaseModel):
    """A deal registration as a partner submits it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    partner_id: WholeNumber = Field(gt=0, le=MAX_ID, description="Your partner number")
    customer_name: Annotated[str, AfterValidator(names_a_company)] = Field(
        min_length=1, max_length=MAX_NAME, description="End customer company"
    )
    customer_siren: str | None = Field(
        default=None,
        title="Customer SIREN",
        description="9-digit SIREN, if known",
        json_schema_extra=OPTIONAL,
    )
    customer_domain: str | None = Field(
        default=None, max_length=253, description="Customer web site, if known", json_schema_extra=OPTIONAL
    )
    customer_email: str | None = Field(
        default=None,
        max_length=254,
        description="Customer contact e-mail, if known",
        json_schema_extra=OPTIONAL,
    )
    customer_departement: str = Field(
        min_length=2,
        max_length=3,
        title="Customer département",
        description="Where the customer is: the département's INSEE code (69 Rhône, 2A Corse-du-Sud)",
        json_schema_extra=one_of(lambda: ORDERED_CODES),
    )
    product_lines: Annotated[list[ProductLine], AfterValidator(known_lines)] = Field(
        min_length=1, max_length=10, description="Product lines in the deal (from the catalogue)"
    )
    amount: Amount = Field(
        gt=0,
        max_digits=14,
        decimal_places=2,
        title="Estimated amount",
        description="Before tax, in the currency below",
        json_schema_extra=NUMBER,
    )
    currency: Annotated[str, AfterValidator(programme_currency)] = Field(
        default_factory=lambda: get_settings().currency,
        pattern=r"^[A-Z]{3}$",
        description="ISO code: the programme's currency (PARTNERFLOW_CURRENCY, EUR by default)",
    )
    expected_close_on: IsoDate = Field(title="Expected close date")
    notes: str = Field(default="", max_length=MAX_NOTES, description="Anything the reviewer should know")
    external_id: str | None = Field(
        default=None,
        max_length=64,
        pattern=r"^[A-Za-z0-9._:/-]+$",
        title="Your reference",
        description="Your own reference for this row: a file submitted again creates nothing new",
        json_schema_extra=OPTIONAL,
    )
    referral_code: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9]{8}$",
        description="The customer's referral code, when another customer recommended us (8 characters)",
        json_schema_extra=OPTIONAL,
    )

    @field_validator(*OPTIONAL_TEXT, mode="before")
    @classmethod
    def _blank_means_not_given(cls, value: Any) -> Any:
        return blank_is_none(value)

    @field_validator("customer_siren", mode="after")
    @classmethod
    def _siren_digits(cls, value: str | None) -> str | None:
        """Stored as ASCII digits whatever their width (``partnerflow.customers.siren_text``)."""
        return siren_text(value) if value is not None else None

    @field_validator("referral_code", mode="after")
    @classmethod
    def _code_in_capitals(cls, value: str | None) -> str | None:
        """Codes are printed in capitals; a partner may type them in lower case."""
        return value.upper() if value is not None else None

    @field_validator("*", mode="after")
    @classmethod
    def _plain_text(cls, value: Any, info: ValidationInfo) -> Any:
        """Text is stored, mailed and shown: no control characters (line breaks only in the
        notes), nothing that is not valid Unicode (a lone surrogate cannot be stored)."""
        allowed = _NOTE_BREAKS if info.field_name == "notes" else set()
        for text in value if isinstance(value, list) else [value]:
            if not isinstance(text, str):
                continue
            if set(text) & (CONTROL_CHARACTERS - allowed):
                raise ValueError("contains a control character")
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:
                raise ValueError("contains an invalid character (a lone surrogate)") from None
        return value


@dataclass(frozen=True)
class Refusal:
    """Why a submission cannot be evaluated, field by field, in words a partner can act on."""

    problems: tuple[str, ...]


def parse_submission(raw: dict[str, Any]) -> DealSubmission | Refusal:
    """Validate the shape of ``raw``; a Refusal lists every problem, not only the first."""
    try:
        return DealSubmission.model_validate(_blank_to_none(raw))
    except ValidationError as error:
        return Refusal(field_problems(error, noun="a registration"))


def check_submission(submission: DealSubmission, *, today: date, partner_known: bool) -> list[str]:
    """Problems a well-formed submission can still have: unknown partner, past date, bad SIREN."""
    problems = []
    if not partner_known:
        problems.append(f"partner_id {submission.partner_id} is not a partner of the programme")
    if submission.customer_departement not in DEPARTEMENT_CODES:
        problems.append(
            f"customer_departement {submission.customer_departement} is not a French département "
            "(INSEE code: 01 to 95, 2A, 2B, 971 to 974, 976)"
        )
    if submission.expected_close_on < today:
        problems.append(f"expected_close_on {submission.expected_close_on} is in the past")
    siren = submission.customer_siren
    if siren and not (SIREN_DIGITS.fullmatch(siren) and siren_number.is_valid(siren)):
        problems.append(
            f"customer_siren {submission.customer_siren} is not a valid SIREN (9 digits, Luhn key)"
        )
    if not (submission.customer_siren or submission.customer_domain or submission.customer_email):
        problems.append("give the customer's SIREN, web domain or a contact e-mail")
    return problems


def _blank_to_none(raw: dict[str, Any]) -> dict[str, Any]:
    """CSV cells and web forms send '' for 'not given'; product lines may come as 'a;b'. An amount
    is read as written (``partnerflow.values.Amount``): '12 500,50' used to become 12500.50 here,
    and '1,000' one euro."""
    cleaned: dict[str, Any] = {}
    for key, value in raw.items():
        if isinstance(value, str) and not value.strip():
            continue
        if key == "product_lines" and isinstance(value, str):
            value = [part.strip() for part in value.replace(",", ";").split(";") if part.strip()]
        cleaned[key] = value
    return cleaned
