"""The vendor's own systems on the API (``/api/v1/vendor``), with a vendor key (it acts for no
partner): the vendor's CRM keeps its copy of every partner's registrations in step, reading what
changed since its last call (``vendor:registrations:read``); its web forms hand leads in
(``vendor:leads:write``), checked as ``partnerflow leads submit`` checks a row.

No ``from __future__ import annotations`` here: FastAPI reads the routes' annotations at runtime.
"""

import json
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from partnerflow.context import Context
from partnerflow.leads.intake import take_in_leads
from partnerflow.leads.submission import LeadSubmission
from partnerflow.models import Lead, Registration, RegistrationStatus
from partnerflow.text import MAX_ID
from partnerflow.web.api_shared import PROBLEMS, Cursor, Limit, VendorCaller, problem_answer
from partnerflow.web.problems import field_problems, problem
from partnerflow.web.registration_views import RegistrationView


class VendorRegistrationView(RegistrationView):
    partner_id: int | None = Field(examples=[42], description="the partner who registered it")


class VendorRegistrationPage(BaseModel):
    """Registrations in the order they were made; ``next_cursor`` continues after the last one."""

    data: list[VendorRegistrationView]
    next_cursor: int | None = Field(description="pass as after; null when there is nothing more")


def add_vendor_reads(api: FastAPI, engine: Engine, reader: Callable[..., VendorCaller], locale: str) -> None:
    @api.get(
        "/vendor/registrations",
        response_model=VendorRegistrationPage,
        responses=PROBLEMS,
        summary="Every partner's registrations, for the vendor's CRM",
    )
    def registrations(
        _who: Annotated[VendorCaller, Depends(reader)],
        limit: Limit = 100,
        after: Cursor = None,
        partner_id: Annotated[int | None, Query(ge=1, le=MAX_ID, description="one partner's only")] = None,
        status: Annotated[RegistrationStatus | None, Query(description="in this status only")] = None,
    ) -> VendorRegistrationPage:
        """Oldest first, ``limit`` per page, continuing ``after`` the last id read: a sync keeps
        the last ``next_cursor`` and starts from it next time. Reasons in the installation's
        language."""
        query = select(Registration)
        if after is not None:
            query = query.where(col(Registration.id) > after)
        if partner_id is not None:
            query = query.where(Registration.partner_id == partner_id)
        if status is not None:
            query = query.where(Registration.status == status)
        with Session(engine) as session:
            rows = list(session.exec(query.order_by(col(Registration.id)).limit(limit + 1)))
        page = [
            VendorRegistrationView(**RegistrationView.of(row, locale).model_dump(), partner_id=row.partner_id)
            for row in rows[:limit]
        ]
        return VendorRegistrationPage(data=page, next_cursor=page[-1].id if len(rows) > limit else None)


class LeadReceipt(BaseModel):
    """A lead taken in (201) or already taken with this external_id (200): it waits for the
    distribute-leads run (every 10 minutes), which offers it to a reseller."""

    lead_id: str = Field(examples=["LD-3f2a9c0d1e2b4a5c"])
    external_id: str = Field(examples=["WEB-2026-11-23-001"])
    state: str = Field(examples=["new"], description="new: waiting to be routed; then offered, accepted...")


def lead_body_schema() -> dict[str, Any]:
    schema = LeadSubmission.model_json_schema()
    schema["title"] = "NewLead"
    schema["examples"] = [
        {
            "external_id": "WEB-2026-11-23-001",
            "company": "Boulangerie Martin",
            "contact_name": "Claire Martin",
            "contact_email": "claire@martin.example",
            "departement": "69",
            "product_lines": ["network", "wifi"],
            "source": "web",
            "consent": True,
        }
    ]
    return schema


LEAD_ANSWERS: dict[int | str, dict[str, Any]] = {
    **PROBLEMS,
    200: {"model": LeadReceipt, "description": "Already taken with this external_id"},
    400: problem_answer("The body is not a JSON object"),
}
NOT_AN_OBJECT = "send one JSON object: the lead's fields"


def add_vendor_lead_intake(
    api: FastAPI, ctx: Context, engine: Engine, writer: Callable[..., VendorCaller]
) -> None:
    body_schema = {"application/json": {"schema": lead_body_schema()}}

    @api.post(
        "/vendor/leads",
        status_code=201,
        response_model=LeadReceipt,
        responses=LEAD_ANSWERS,
        openapi_extra={"requestBody": {"required": True, "content": body_schema}},
        summary="Hand a lead in",
    )
    async def hand_in(request: Request, who: Annotated[VendorCaller, Depends(writer)]) -> JSONResponse:
        """Checked field by field (422 names each refused one); the same external_id again
        answers 200 with the lead already taken, nothing new."""
        body = await request.body()
        return await run_in_threadpool(taken, who, body)

    def taken(who: VendorCaller, body: bytes) -> JSONResponse:
        try:
            row = json.loads(body)
        except (ValueError, RecursionError):
            return problem(400, "not-json", "The body is not JSON", NOT_AN_OBJECT)
        if not isinstance(row, dict):
            return problem(400, "not-json", "The body is not a JSON object", NOT_AN_OBJECT)
        with Session(engine) as session:
            [result] = take_in_leads(session, [row], now=ctx.clock.now(), actor=f"api-key:{who.key_id}")
            session.commit()
            lead = session.get(Lead, result.lead_id) if result.lead_id else None
        if result.outcome == "refused" or lead is None:
            detail = "; ".join(result.problems)
            errors = field_problems(result.problems, list(LeadSubmission.model_fields))
            return problem(422, "refused", "The lead is refused", detail, errors=errors)
        receipt = LeadReceipt(lead_id=lead.id, external_id=lead.external_id or "", state=lead.state.value)
        return JSONResponse(receipt.model_dump(), status_code=201 if result.outcome == "taken" else 200)
