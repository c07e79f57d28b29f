"""The partner API's leads: a reseller's CRM reads the leads offered to it (``leads:read``) and
does what its contacts do on the lead's page (``leads:write``): show the prospect's contact
(that records *opened*), accept or decline, declare in progress, sold or lost. The same
actions (``partnerflow.leads.worked``), the same refusals, audited under the key.

A lead here is the partner's turn with it (its id is the turn's): another reseller's turn of the
same lead is answered 404 like one that does not exist, and the prospect's contact is in the
answer only once the partner revealed it.

No ``from __future__ import annotations`` here: FastAPI reads the routes' annotations at runtime.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Literal, Self

from fastapi import Body, Depends, FastAPI, Path
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from partnerflow.context import Context
from partnerflow.leads.worked import LeadRefused, OnPage, open_turn, perform, refusal_audited
from partnerflow.models import LeadTurn
from partnerflow.text import MAX_ID
from partnerflow.web.api_shared import PROBLEMS, Caller, Cursor, Limit, Refusal, problem_answer
from partnerflow.web.problems import problem

LeadId = Annotated[int, Path(ge=1, le=MAX_ID, description="the lead's id in your list")]
CONFLICTS = {
    "withdrawn": "The lead was passed on: its deadline went by",
    "declined": "You declined this lead",
    "closed": "The lead is closed",
    "not-accepted": "Accept the lead first",
}


class ProspectContact(BaseModel):
    name: str | None
    email: str | None
    phone: str | None


class LeadView(BaseModel):
    """A lead offered to you, and where it stands with you."""

    id: int = Field(examples=[5812], description="this lead in your list (your turn with it)")
    company: str = Field(examples=["Boulangerie Martin"])
    departement: str = Field(examples=["69"])
    product_lines: list[str] = Field(examples=[["network", "wifi"]])
    source: str = Field(examples=["web"])
    state: str = Field(
        examples=["offered"],
        description="offered (accept it by accept_by), accepted, declined, withdrawn (passed on), closed",
    )
    offered_at: datetime
    accept_by: datetime | None
    status: str | None = Field(
        examples=["sold"], description="the last you declared: in_progress, sold, lost"
    )
    amount: str | None = Field(examples=["12500.50"], description="sold: the amount, exact decimal as text")
    opened: bool = Field(description="you revealed the prospect's contact")
    contact: ProspectContact | None = Field(description="the prospect's contact, once you revealed it")

    @classmethod
    def of(cls, page: OnPage) -> Self:
        turn, lead = page.turn, page.lead
        statuses = [event.status.value for event in page.events if event.status is not None]
        shown = page.opened and lead.purged_at is None
        return cls(
            id=turn.id or 0,
            company=lead.company,
            departement=lead.departement,
            product_lines=list(lead.product_lines),
            source=lead.source,
            state=turn.state.value,
            offered_at=turn.received_at,
            accept_by=turn.deadline_at,
            status=statuses[-1] if statuses else None,
            amount=f"{turn.amount:.2f}" if turn.amount is not None else None,
            opened=page.opened,
            contact=ProspectContact(
                name=lead.contact_name, email=lead.contact_email, phone=lead.contact_phone
            )
            if shown
            else None,
        )


class LeadPage(BaseModel):
    """One page of your leads, newest first; ``next_cursor`` fetches the next one."""

    data: list[LeadView]
    next_cursor: int | None = Field(description="pass as starting_after; null on the last page")


class Decline(BaseModel):
    reason: str = Field(examples=["Hors de notre zone"], description="why, in a few words")


class Declared(BaseModel):
    status: Literal["in_progress", "sold", "lost"]
    amount: str = Field(
        default="", examples=["12500.50"], description="sold: above 0, at most two decimals, no separators"
    )
    reason: str = Field(default="", examples=["Budget gelé"], description="lost: why")


ACTED = {**PROBLEMS, 404: problem_answer("Not one of yours"), 409: problem_answer("Not possible now")}


def add_lead_api(
    api: FastAPI,
    ctx: Context,
    engine: Engine,
    reader: Callable[..., Caller],
    writer: Callable[..., Caller],
) -> None:
    clock = ctx.clock

    def routing() -> Any:
        return ctx.policy("lead_routing", clock.today()).document

    @api.get("/leads", response_model=LeadPage, responses=PROBLEMS, summary="List your leads")
    def leads(
        who: Annotated[Caller, Depends(reader)], limit: Limit = 20, starting_after: Cursor = None
    ) -> LeadPage:
        """Newest first, ``limit`` per page; the prospect's contact only where you revealed it."""
        query = select(LeadTurn.id).where(LeadTurn.reseller_id == who.partner_id)
        if starting_after is not None:
            query = query.where(col(LeadTurn.id) < starting_after)
        with Session(engine) as session:
            ids = [i for i in session.exec(query.order_by(col(LeadTurn.id).desc()).limit(limit + 1)) if i]
            views = [LeadView.of(_theirs(session, who, turn_id)) for turn_id in ids[:limit]]
        return LeadPage(data=views, next_cursor=views[-1].id if len(ids) > limit else None)

    @api.get("/leads/{lead_id}", response_model=LeadView, responses=ACTED, summary="Read one lead")
    def lead(lead_id: LeadId, who: Annotated[Caller, Depends(reader)]) -> LeadView:
        return _acted(who, lead_id, None)

    @api.post("/leads/{lead_id}/reveal", response_model=LeadView, responses=ACTED, summary="Show the contact")
    async def reveal(lead_id: LeadId, who: Annotated[Caller, Depends(writer)]) -> LeadView:
        """The prospect's contact, in the answer: the lead counts as opened (once)."""
        return await run_in_threadpool(_acted, who, lead_id, {"action": "reveal"})

    @api.post("/leads/{lead_id}/accept", response_model=LeadView, responses=ACTED, summary="Accept a lead")
    async def accept(lead_id: LeadId, who: Annotated[Caller, Depends(writer)]) -> LeadView:
        """Before its ``accept_by``: it is yours to work (and its contact is revealed)."""
        return await run_in_threadpool(_acted, who, lead_id, {"action": "accept"})

    @api.post("/leads/{lead_id}/decline", response_model=LeadView, responses=ACTED, summary="Decline a lead")
    async def refuse(
        lead_id: LeadId, body: Annotated[Decline, Body()], who: Annotated[Caller, Depends(writer)]
    ) -> LeadView:
        """Hand it back with the reason: it goes to the next reseller."""
        return await run_in_threadpool(_acted, who, lead_id, {"action": "decline", "reason": body.reason})

    @api.post("/leads/{lead_id}/status", response_model=LeadView, responses=ACTED, summary="Declare a status")
    async def status(
        lead_id: LeadId, body: Annotated[Declared, Body()], who: Annotated[Caller, Depends(writer)]
    ) -> LeadView:
        """An accepted lead: in progress, sold (the amount, ``12500.50``) or lost (the reason)."""
        given = {"action": "status", **body.model_dump()}
        return await run_in_threadpool(_acted, who, lead_id, given)

    def _acted(who: Caller, turn_id: int, given: dict[str, str] | None) -> LeadView:
        """The lead after ``given`` (None: only read it); a refusal is audited and answered."""
        now = clock.now()
        with Session(engine) as session:
            page: OnPage | None = None
            try:
                page = _theirs(session, who, turn_id)
                if given is not None:
                    perform(session, page, given, now, routing())
                    session.commit()
                return LeadView.of(_theirs(session, who, turn_id))
            except LeadRefused as refused:
                session.rollback()
                refusal_audited(session, page, refused, now, actor=f"api-key:{who.key_id}")
                session.commit()
                raise Refusal(_answer(refused, turn_id)) from None


def _theirs(session: Session, who: Caller, turn_id: int) -> OnPage:
    return open_turn(session, who.partner_id, turn_id, actor=f"api-key:{who.key_id}", locale=who.locale)


def _answer(refused: LeadRefused, turn_id: int) -> Any:
    if refused.reason == "invalid":
        return problem(404, "not-found", "No such lead", f"you have no lead {turn_id}")
    if refused.reason == "incomplete":
        return problem(422, "refused", "Refused", refused.detail)
    return problem(
        409, refused.reason, CONFLICTS[refused.reason], refused.detail or CONFLICTS[refused.reason]
    )
