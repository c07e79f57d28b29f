"""A campaign request and every reason it can be refused before anyone signs."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from partnerflow.catalogue import known_line, product_lines
from partnerflow.models import PartnerTier
from partnerflow.schema_hints import NUMBER, one_of
from partnerflow.territories import CODES as DEPARTEMENT_CODES
from partnerflow.territories import ORDERED_CODES
from partnerflow.text import MAX_ID
from partnerflow.values import Amount, IsoDate, WholeNumber, amount_value

Sku = Annotated[str, Field(pattern=r"^[A-Z0-9][A-Z0-9-]{2,31}$", description="e.g. SW-24P-POE")]
NetPrice = Annotated[Amount, Field(json_schema_extra=NUMBER)]
Departement = Annotated[str, Field(json_schema_extra=one_of(lambda: ORDERED_CODES))]


class CampaignRequest(BaseModel):
    """What channel marketing asks for: the ``discount-campaign`` deployment's form."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=3, max_length=120, description="As partners will read it")
    product_line: Annotated[str, AfterValidator(known_line)] = Field(
        min_length=2, max_length=60, description="From the catalogue", json_schema_extra=one_of(product_lines)
    )
    skus: list[Sku] = Field(default_factory=list, max_length=200, title="SKUs")
    discount_pct: Decimal | None = Field(
        default=None,
        gt=0,
        lt=100,
        max_digits=5,
        decimal_places=2,
        title="Discount (%)",
        description="Discount in percent; or leave it empty and give net prices",
        json_schema_extra=NUMBER,
    )
    net_prices: dict[Sku, NetPrice] = Field(default_factory=dict, description="Net price per SKU instead")
    starts_on: IsoDate = Field(title="Starts on")
    ends_on: IsoDate = Field(title="Ends on")
    quantity: WholeNumber = Field(gt=0, le=MAX_ID, description="Units to clear")
    stock_value: Amount = Field(
        default=Decimal(0),
        ge=0,
        max_digits=14,
        decimal_places=2,
        description="Value of the stock to clear",
        json_schema_extra=NUMBER,
    )
    tiers: list[PartnerTier] = Field(default_factory=list, description="Eligible tiers (empty: all)")
    territories: list[Departement] = Field(
        default_factory=list, title="Départements", description="Eligible départements (empty: all)"
    )
    requester_email: str = Field(pattern=r"^[^@\s]+@[^@\s]+$", title="Your e-mail")
    rationale: str = Field(default="", max_length=4000, description="Why this campaign, for the signers")

    @field_validator("discount_pct", mode="before")
    @classmethod
    def _discount_as_written(cls, value: Any) -> Any:
        """Read as every amount is (``partnerflow.values``); here, not in the type, so the form
        keeps showing one number field for an optional discount."""
        return None if value is None else amount_value(value)

    @field_validator("territories")
    @classmethod
    def _official_departements(cls, territories: list[str]) -> list[str]:
        unknown = [code for code in territories if code not in DEPARTEMENT_CODES]
        if unknown:
            raise ValueError(
                f"not French départements: {', '.join(unknown[:10])} (INSEE codes, e.g. 69, 2A, 974)"
            )
        return territories

    @model_validator(mode="after")
    def _one_kind_of_price(self) -> CampaignRequest:
        if (self.discount_pct is None) == (not self.net_prices):
            raise ValueError("give either discount_pct or net_prices, not both or neither")
        if any(price <= 0 for price in self.net_prices.values()):
            raise ValueError("net prices must be greater than 0")
        return self

    @property
    def effective_discount_pct(self) -> float:
        """The discount depth the policy judges; net prices alone do not say it, so 0."""
        return float(self.discount_pct or 0)


def parse_request(raw: dict[str, Any]) -> CampaignRequest | list[str]:
    """The request, or every problem found in it (field: message)."""
    try:
        return CampaignRequest.model_validate(raw)
    except ValidationError as error:
        problems = []
        for item in error.errors():
            field = ".".join(str(part) for part in item["loc"]) or "request"
            message = str(item["msg"]).removeprefix("Value error, ")
            if item["type"] == "string_pattern_mismatch" and ("skus" in field or "net_prices" in field):
                message = "unknown SKU format (capitals, digits and dashes, 3 to 32 characters)"
            problems.append(f"{field}: {message}")
        return problems


def check_dates(request: CampaignRequest, *, today: date) -> list[str]:
    problems = []
    if request.ends_on < request.starts_on:
        problems.append(f"ends_on {request.ends_on} is before starts_on {request.starts_on}")
    if request.starts_on < today:
        problems.append(f"starts_on {request.starts_on} is in the past")
    return problems
