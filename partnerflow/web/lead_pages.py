"""The lead page a reseller contact's link opens (``partnerflow.leads.worked``): a GET shows
the lead without the prospect's contact and records nothing (a mail scanner follows links); each
button is a POST to the same address, refused cross-site by the app's guard."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from sqlalchemy import Engine
from sqlmodel import Session

from partnerflow.context import Context
from partnerflow.leads.worked import LeadRefused, OnPage, open_link, perform, refusal_audited
from partnerflow.models import TurnState
from partnerflow.policy import LeadRoutingPolicy
from partnerflow.web.form_values import single_values
from partnerflow.web.inbox import Page
from partnerflow.web.lead_texts import lead_texts_for

GONE = {TurnState.WITHDRAWN: "withdrawn", TurnState.DECLINED: "declined"}


def add_lead_pages(app: FastAPI, ctx: Context, engine: Engine, page: Page, outcome: Page) -> None:
    """Add ``/lead/<token>`` to ``app``."""
    keys, clock, default_locale = ctx.links.keys, ctx.clock, ctx.settings.default_locale

    def routing() -> LeadRoutingPolicy:
        return ctx.policy("lead_routing", clock.today()).document

    @app.get("/lead/{token}", response_class=HTMLResponse)
    def lead_page(token: str) -> HTMLResponse:
        with Session(engine) as session:
            try:
                on_page = open_link(session, keys, token)
            except LeadRefused as refused:
                refusal_audited(session, None, refused, clock.now())
                session.commit()
                return refusal(default_locale, refused)
            gone = GONE.get(on_page.turn.state)
            if gone is not None:
                return refusal(on_page.locale, LeadRefused(gone))  # type: ignore[arg-type]
            return view(on_page)

    @app.post("/lead/{token}", response_class=HTMLResponse)
    async def lead_action(token: str, request: Request) -> HTMLResponse:
        return await run_in_threadpool(act, token, await single_values(request))

    def act(token: str, given: dict[str, str]) -> HTMLResponse:
        now = clock.now()
        with Session(engine) as session:
            on_page: OnPage | None = None
            try:
                on_page = open_link(session, keys, token)
                perform(session, on_page, given, now, routing())
                session.commit()
            except LeadRefused as refused:
                session.rollback()
                on_page = open_link(session, keys, token) if on_page is not None else None
                refusal_audited(session, on_page, refused, now)
                session.commit()
                if refused.reason == "incomplete" and on_page is not None:
                    return view(on_page, problem=refused.detail, status=422)
                return refusal(on_page.locale if on_page else default_locale, refused)
            return view(open_link(session, keys, token), done=True)

    def view(on_page: OnPage, *, problem: str = "", done: bool = False, status: int = 200) -> HTMLResponse:
        locale = on_page.locale
        zone = ZoneInfo(routing().acceptance.timezone)
        deadline = (on_page.turn.deadline_at or on_page.turn.received_at).astimezone(zone)
        statuses = [event.status.value for event in on_page.events if event.status is not None]
        return page(
            "lead.html.j2",
            status,
            locale=locale,
            t=lead_texts_for(locale),
            lead=on_page.lead,
            turn=on_page.turn,
            partner=on_page.partner,
            opened=on_page.opened,
            deadline_day=deadline.date(),
            deadline_time=deadline.strftime("%H:%M"),
            last_status=statuses[-1] if statuses else "",
            problem=problem,
            done=done,
        )

    def refusal(locale: str, refused: LeadRefused) -> HTMLResponse:
        t = lead_texts_for(locale)
        if refused.reason == "invalid":
            return outcome(locale, "invalid", t["invalid"], t["invalid_detail"], status=404)
        detail = t.get(f"{refused.reason}_detail", "")
        return outcome(locale, "refused", t[refused.reason], *([detail] if detail else []), status=409)
