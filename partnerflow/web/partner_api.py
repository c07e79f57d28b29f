"""The partner API, ``/api/v1``: a partner's own systems register deals and read their decisions
with the partner's API key, through the same intake as the CLI and the batch flow.

Every request names its partner by its key (``Authorization: Bearer pfk_...``), never by the
body: a key of partner A reads and writes A's registrations only, and B's ids answer 404 as if
they did not exist. A POST may carry an ``Idempotency-Key`` (``partner_access.idempotency``).
Errors are ``application/problem+json``; lists are paged by a cursor; each key is limited to
``PARTNERFLOW_API_REQUESTS_PER_MINUTE`` requests (429 with ``Retry-After`` past it). The OpenAPI
3.1 document is published at ``/api/v1/openapi.json``.

No ``from __future__ import annotations`` here: FastAPI reads the routes' annotations at runtime,
and they name dependencies made inside the builder functions.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import Engine
from sqlmodel import Session
from starlette.exceptions import HTTPException

from partnerflow.audit import record_event
from partnerflow.clock import programme_date
from partnerflow.context import Context
from partnerflow.models import Partner, Registration
from partnerflow.partner_access import Mismatch, Replay, claim, key_in_use, remember, request_digest
from partnerflow.partner_access.idempotency import MAX_KEY_LENGTH
from partnerflow.registration import DealSubmission, take_in
from partnerflow.text import MAX_ID
from partnerflow.web.api_shared import (
    PROBLEMS,
    Caller,
    Cursor,
    Limit,
    Refusal,
    VendorCaller,
    partners_page,
    problem_answer,
)
from partnerflow.web.lead_api import add_lead_api
from partnerflow.web.problems import field_problems, problem, validation_problems
from partnerflow.web.rate_limits import SlidingWindow
from partnerflow.web.registration_views import RegistrationPage, RegistrationView
from partnerflow.web.statement_api import add_statement_reads
from partnerflow.web.vendor_api import add_vendor_lead_intake, add_vendor_reads

Starter = Callable[[int], None]
"""Starts the review run of an escalated registration (the review SLA sweep starts it otherwise);
the web app's never makes a request wait (``web.app.beside``)."""


def new_registration_schema() -> dict[str, Any]:
    """The POST body: a deal submission, without ``partner_id`` (the key says who registers)."""
    schema = DealSubmission.model_json_schema()
    schema["properties"].pop("partner_id")
    schema["required"] = [name for name in schema["required"] if name != "partner_id"]
    schema["title"] = "NewRegistration"
    schema["examples"] = [
        {
            "customer_name": "Acme Industrie SAS",
            "customer_siren": "732829320",
            "customer_departement": "69",
            "product_lines": ["network"],
            "amount": "48000",
            "expected_close_on": "2027-03-31",
            "external_id": "CRM-000123",
        }
    ]
    return schema


def partner_api(ctx: Context, engine: Engine, *, start_review: Starter) -> FastAPI:
    """The ``/api/v1`` application (mounted by the web app)."""
    api = FastAPI(
        title="partnerflow partner API",
        version="1.0.0",
        description=__doc__,
        openapi_url="/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    _add_problem_handlers(api)
    checks = _key_checks(ctx, engine)
    _add_registration_writes(api, ctx, engine, checks.partner("registrations:write"), start_review)
    _add_registration_reads(api, engine, checks.partner("registrations:read"))
    add_statement_reads(api, engine, checks.partner("statements:read"))
    add_lead_api(api, ctx, engine, checks.partner("leads:read"), checks.partner("leads:write"))
    add_vendor_reads(api, engine, checks.vendor("vendor:registrations:read"), ctx.settings.default_locale)
    add_vendor_lead_intake(api, ctx, engine, checks.vendor("vendor:leads:write"))
    return api


@dataclass(frozen=True)
class KeyChecks:
    """The dependencies a route takes: ``partner(scope)`` for a partner's key, ``vendor(scope)``
    for one of the vendor's own systems."""

    partner: Callable[[str], Callable[..., Caller]]
    vendor: Callable[[str], Callable[..., VendorCaller]]


def _key_checks(ctx: Context, engine: Engine) -> KeyChecks:
    """The dependencies a route takes to know its caller, refusing a request without a live key
    (401), over the key's rate (429), without ``scope`` or with a key of the other side (403). Refusals are
    audited (``api.refused``), except past the web app's form limit of bad keys a minute from one
    address: those are still refused, not written (the audit trail is not a flood target)."""
    per_key = SlidingWindow(ctx.settings.api_requests_per_minute)
    bad_keys = SlidingWindow(ctx.settings.web_posts_per_minute)

    def caller(
        request: Request, authorization: Annotated[str, Header(description="Bearer pfk_...")] = ""
    ) -> _Scoped:
        scheme, _, presented = authorization.partition(" ")
        source = request.client.host if request.client else "unknown"
        with Session(engine) as session:
            key = key_in_use(session, ctx.links.keys, presented.strip(), now=ctx.clock.now())
            partner = session.get(Partner, key.partner_id) if key is not None and key.partner_id else None
            found = None
            if (
                scheme.lower() == "bearer"
                and key is not None
                and key.id is not None
                and (key.partner_id is None or partner is not None)
            ):
                locale = partner.locale.value if partner is not None else ctx.settings.default_locale
                found = _Scoped(key.id, key.partner_id, locale, tuple(key.scopes), key.prefix)
            elif not bad_keys.wait_before(source):
                _audit_refusal(session, ctx, f"api:{source}", "no valid API key", request.url.path)
            session.commit()
        if found is None:
            detail = "send Authorization: Bearer <your API key>"
            unauthorized = problem(401, "unauthorized", "No valid API key", detail)
            unauthorized.headers["WWW-Authenticate"] = "Bearer"
            raise Refusal(unauthorized)
        wait = per_key.wait_before(str(found.key_id))
        if wait:
            too_many = problem(429, "too-many-requests", "Too many requests", f"retry in {wait} s")
            too_many.headers["Retry-After"] = str(wait)
            raise Refusal(too_many)
        return found

    def refuse(request: Request, found: _Scoped, reason: str, detail: str) -> Refusal:
        with Session(engine) as session:
            _audit_refusal(session, ctx, f"api-key:{found.prefix}", reason, request.url.path)
            session.commit()
        return Refusal(problem(403, "missing-scope", "This key may not do this", detail))

    def needs(scope: str) -> Callable[..., Caller]:
        def scoped(request: Request, found: Annotated[_Scoped, Depends(caller)]) -> Caller:
            if found.partner_id is None:
                raise refuse(
                    request, found, "a vendor key on a partner's route", "a vendor key reads /vendor/ routes"
                )
            if scope not in found.scopes:
                raise refuse(request, found, f"the key lacks {scope}", f"it needs {scope}")
            return Caller(found.key_id, found.partner_id, found.locale)

        return scoped

    def vendor_needs(scope: str) -> Callable[..., VendorCaller]:
        def scoped(request: Request, found: Annotated[_Scoped, Depends(caller)]) -> VendorCaller:
            if found.partner_id is not None or scope not in found.scopes:
                raise refuse(request, found, f"the key lacks {scope}", f"it needs a vendor key with {scope}")
            return VendorCaller(found.key_id)

        return scoped

    return KeyChecks(needs, vendor_needs)


def _audit_refusal(session: Session, ctx: Context, actor: str, reason: str, path: str) -> None:
    record_event(
        session,
        now=ctx.clock.now(),
        actor=actor,
        action="api.refused",
        subject_type="api",
        subject_id=0,
        details={"reason": reason, "path": path[:200]},
    )


def _add_registration_writes(
    api: FastAPI, ctx: Context, engine: Engine, writer: Callable[..., Caller], start_review: Starter
) -> None:
    body_schema = {"application/json": {"schema": new_registration_schema()}}

    @api.post(
        "/registrations",
        status_code=201,
        response_model=RegistrationView,
        responses={**PROBLEMS, 400: problem_answer("The body is not JSON")},
        openapi_extra={"requestBody": {"required": True, "content": body_schema}},
        summary="Register a deal",
    )
    async def register(
        request: Request,
        who: Annotated[Caller, Depends(writer)],
        idempotency_key: Annotated[
            str | None, Header(alias="Idempotency-Key", max_length=MAX_KEY_LENGTH)
        ] = None,
    ) -> JSONResponse:
        """Decided at once by the deal-registration policy (approved, rejected, or pending
        review, then decided by the vendor's reviewers; read it again to see the decision). The
        same Idempotency-Key with the same body returns the first response."""
        body = await request.body()
        return await run_in_threadpool(registered, who, body, idempotency_key)

    def registered(who: Caller, body: bytes, idempotency_key: str | None) -> JSONResponse:
        now = ctx.clock.now()
        with Session(engine) as session:
            held = None
            if idempotency_key is not None:
                digest = request_digest("POST", "/registrations", body)
                found = claim(session, who.key_id, idempotency_key, digest, now=now)
                if isinstance(found, Replay):
                    return _replayed(found)
                if isinstance(found, Mismatch):
                    return problem(422, "idempotency-key-reused", "Idempotency-Key reused", found.reason)
                held = found
            response, escalated = _take_in(session, ctx, who, body, now)
            if held is not None:
                remember(session, held, response.status_code, json.loads(bytes(response.body)))
            session.commit()
        if escalated is not None:  # beside the answer (web.app.beside): the CRM never waits for Prefect
            start_review(escalated)
        return response


def _add_registration_reads(api: FastAPI, engine: Engine, reader: Callable[..., Caller]) -> None:
    @api.get(
        "/registrations",
        response_model=RegistrationPage,
        responses=PROBLEMS,
        summary="List your registrations",
    )
    def registrations(
        who: Annotated[Caller, Depends(reader)],
        limit: Limit = 20,
        starting_after: Cursor = None,
    ) -> RegistrationPage:
        """Newest first, ``limit`` per page."""
        rows, next_cursor = partners_page(engine, Registration, who.partner_id, limit, starting_after)
        return RegistrationPage(
            data=[RegistrationView.of(row, who.locale) for row in rows], next_cursor=next_cursor
        )

    @api.get(
        "/registrations/{registration_id}",
        response_model=RegistrationView,
        responses={**PROBLEMS, 404: problem_answer("Not one of yours")},
        summary="Read one registration",
    )
    def registration(
        registration_id: Annotated[int, Path(ge=1, le=MAX_ID)], who: Annotated[Caller, Depends(reader)]
    ) -> RegistrationView:
        """Where it stands: pending review, approved with its protection end, rejected and why."""
        with Session(engine) as session:
            row = session.get(Registration, registration_id)
        if row is None or row.partner_id != who.partner_id:
            detail = f"you have no registration {registration_id}"
            raise Refusal(problem(404, "not-found", "No such registration", detail))
        return RegistrationView.of(row, who.locale)


def _replayed(first: Replay) -> JSONResponse:
    kind = "application/problem+json" if first.status_code >= 400 else "application/json"
    return JSONResponse(first.body, status_code=first.status_code, media_type=kind)


@dataclass(frozen=True)
class _Scoped:
    """A live key: its partner (None for one of the vendor's systems), scopes and prefix."""

    key_id: int
    partner_id: int | None
    locale: str
    scopes: tuple[str, ...]
    prefix: str


def _take_in(
    session: Session, ctx: Context, who: Caller, body: bytes, now: datetime
) -> tuple[JSONResponse, int | None]:
    """The intake every channel shares, for the key's partner: 201 with the registration, or
    422 naming each refused field (the refusal is recorded and mailed, as for a file's row)."""
    try:
        raw = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        return problem(400, "malformed-json", "The body is not JSON", str(error)), None
    if not isinstance(raw, dict):
        return problem(
            422, "invalid-request", "The body must be a JSON object", "send the deal's fields"
        ), None
    if "partner_id" in raw and raw["partner_id"] != who.partner_id:
        detail = "partner_id: set by your API key; leave it out"
        return problem(
            422,
            "invalid-request",
            "The request was refused",
            detail,
            errors=field_problems([detail], ["partner_id"]),
        ), None
    policy = ctx.policy("deal_registration", programme_date(now))
    result = take_in(
        session, {**raw, "partner_id": who.partner_id}, policy=policy, renderer=ctx.renderer, now=now
    )
    row = session.get_one(Registration, result.registration_id)
    if result.outcome == "refused":
        refused = problem(
            422,
            "invalid-request",
            "The request was refused",
            "; ".join(result.problems),
            errors=field_problems(result.problems, DealSubmission.model_fields),
        )
        return refused, None
    view = RegistrationView.of(row, who.locale).model_dump(mode="json")
    return JSONResponse(view, status_code=201), (row.id if result.outcome == "review" else None)


def _add_problem_handlers(api: FastAPI) -> None:
    @api.exception_handler(Refusal)
    async def refused(_request: Request, error: Refusal) -> JSONResponse:
        return error.response

    @api.exception_handler(RequestValidationError)
    async def invalid(_request: Request, error: RequestValidationError) -> JSONResponse:
        found = validation_problems(list(error.errors()))
        detail = "; ".join(f"{item.field}: {item.reason}" for item in found)
        return problem(422, "invalid-request", "The request was refused", detail, errors=found)

    @api.exception_handler(HTTPException)
    async def http(_request: Request, error: HTTPException) -> JSONResponse:
        return problem(error.status_code, "http-error", str(error.detail), str(error.detail))
