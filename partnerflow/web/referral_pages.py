"""The referral page a sponsor's link opens: the referred company describes itself, with consent
(``partnerflow.referrals.invitations``)."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from sqlalchemy import Engine
from sqlmodel import Session

from partnerflow.context import Context
from partnerflow.referrals.invitations import count_visit, find_invitation, refer
from partnerflow.web.form_values import single_values
from partnerflow.web.inbox import Page
from partnerflow.web.referral_texts import referral_texts_for


def add_referral_pages(app: FastAPI, ctx: Context, engine: Engine, page: Page, outcome: Page) -> None:
    """Add ``/refer/<token>`` to ``app``."""
    settings, clock, keys = ctx.settings, ctx.clock, ctx.links.keys

    @app.get("/refer/{token}", response_class=HTMLResponse)
    def referral_page(token: str) -> HTMLResponse:
        with Session(engine) as session:
            found = find_invitation(session, keys, token)
            if found is None:
                return referral_refusal(settings.default_locale, "invalid")
            invitation, sponsor = found
            count_visit(session, invitation)
            session.commit()
            return referral_form(sponsor.locale, sponsor.name)

    @app.post("/refer/{token}", response_class=HTMLResponse)
    async def referral_answer(token: str, request: Request) -> HTMLResponse:
        return await run_in_threadpool(record_referral, token, await single_values(request))

    def record_referral(token: str, given: dict[str, str]) -> HTMLResponse:
        with Session(engine) as session:
            result = refer(session, keys, token, given, now=clock.now())
            session.commit()
            found = find_invitation(session, keys, token)
            sponsor = found[1].name if found else ""
        if result.created:
            t = referral_texts_for(result.locale)
            return outcome(result.locale, "recorded", t["thanks"], t["thanks_detail"], status=200)
        if result.problem in ("invalid", "already-referred", "too-many"):
            return referral_refusal(result.locale or settings.default_locale, result.problem)
        return referral_form(result.locale, sponsor, result.problem, status=422)

    def referral_form(locale: str, sponsor: str, problem: str = "", status: int = 200) -> HTMLResponse:
        t = referral_texts_for(locale)
        return page("refer.html.j2", status, locale=locale, t=t, sponsor=sponsor, problem=problem)

    def referral_refusal(locale: str, reason: str) -> HTMLResponse:
        t = referral_texts_for(locale)
        if reason == "invalid":
            return outcome(locale, "invalid", t["invalid"], t["invalid_detail"], status=404)
        return outcome(locale, "refused", t[reason], status=409)
