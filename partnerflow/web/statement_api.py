"""The partner API's statements (``statements:read``): a partner's systems read its commission
statements and every line on them, as the portal and the statement e-mail show them.

No ``from __future__ import annotations`` here: FastAPI reads the routes' annotations at runtime.
"""

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Self

from fastapi import Depends, FastAPI, Path
from pydantic import BaseModel, Field
from sqlalchemy import Engine
from sqlmodel import Session

from partnerflow.commissions import partner_statement
from partnerflow.models import Statement
from partnerflow.text import MAX_ID
from partnerflow.web.api_shared import PROBLEMS, Caller, Cursor, Limit, Refusal, partners_page, problem_answer
from partnerflow.web.problems import problem


def _money(amount: Decimal) -> str:
    return f"{amount:.2f}"


class StatementView(BaseModel):
    """One month's statement of the partner: what it earned, what was clawed back, what is paid."""

    id: int = Field(examples=[318])
    period: str = Field(examples=["2026-11"], description="the month settled, YYYY-MM")
    status: str = Field(examples=["paid"], description="pending, paid or rejected")
    currency: str = Field(examples=["EUR"])
    earned: str = Field(examples=["2400.00"], description="exact decimal, as text")
    clawed_back: str = Field(examples=["0.00"])
    net: str = Field(examples=["2400.00"])
    payment_reference: str = Field(examples=["PF-2026-11-0042"], description="the SEPA end-to-end id")
    paid_at: datetime | None

    @classmethod
    def of(cls, row: Statement) -> Self:
        amounts = {name: _money(getattr(row, name)) for name in ("earned", "clawed_back", "net")}
        return cls(
            id=row.id or 0,
            period=row.period,
            status=row.status.value,
            currency=row.currency,
            payment_reference=row.payment_reference,
            paid_at=row.paid_at,
            **amounts,
        )


class StatementLine(BaseModel):
    """A deal's commission on the statement (or its clawback), and how it was calculated."""

    registration_id: int = Field(examples=[4211])
    customer_name: str = Field(examples=["Acme Industrie SAS"])
    kind: str = Field(examples=["accrual"], description="accrual or clawback")
    closed_on: date
    product_line: str = Field(examples=["network"])
    deal_amount: str = Field(examples=["48000.00"])
    amount: str = Field(examples=["2400.00"])
    explanation: list[str] = Field(examples=[["5 % of 48 000 €"]])


class StatementDetail(StatementView):
    lines: list[StatementLine]


class StatementPage(BaseModel):
    """One page of statements, newest first; ``next_cursor`` fetches the next one."""

    data: list[StatementView]
    next_cursor: int | None = Field(description="pass as starting_after; null on the last page")


def add_statement_reads(api: FastAPI, engine: Engine, reader: Callable[..., Caller]) -> None:
    @api.get("/statements", response_model=StatementPage, responses=PROBLEMS, summary="List your statements")
    def statements(
        who: Annotated[Caller, Depends(reader)], limit: Limit = 20, starting_after: Cursor = None
    ) -> StatementPage:
        """Newest first, ``limit`` per page."""
        rows, next_cursor = partners_page(engine, Statement, who.partner_id, limit, starting_after)
        return StatementPage(data=[StatementView.of(row) for row in rows], next_cursor=next_cursor)

    @api.get(
        "/statements/{statement_id}",
        response_model=StatementDetail,
        responses={**PROBLEMS, 404: problem_answer("Not one of yours")},
        summary="Read one statement with its lines",
    )
    def statement(
        statement_id: Annotated[int, Path(ge=1, le=MAX_ID)], who: Annotated[Caller, Depends(reader)]
    ) -> StatementDetail:
        """Every line: the deal, the commission, how it was calculated."""
        with Session(engine) as session:
            view = partner_statement(session, who.partner_id, statement_id)
            row = session.get(Statement, statement_id) if view is not None else None
        if view is None or row is None:
            raise Refusal(
                problem(404, "not-found", "No such statement", f"you have no statement {statement_id}")
            )
        return StatementDetail(
            **StatementView.of(row).model_dump(), lines=[_line(line) for line in view["lines"]]
        )


def _line(line: dict[str, Any]) -> StatementLine:
    return StatementLine(
        registration_id=line["registration_id"],
        customer_name=line["customer_name"],
        kind=line["kind"],
        closed_on=line["closed_on"],
        product_line=line["product_line"],
        deal_amount=_money(line["deal_amount"]),
        amount=_money(line["amount"]),
        explanation=line["explanation"] or ([line["reason"]] if line["reason"] else []),
    )
