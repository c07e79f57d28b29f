"""My decisions in the web app: sign in with a magic link mailed to your address, then see every
open decision waiting for you (with your personal link to decide it) and what you decided.

``GET /inbox`` shows the inbox to a signed-in person, else the sign-in form; ``POST /signin``
mails a link (the page says the same whoever asks); ``GET /signin/<token>`` shows a button and
uses nothing (mail scanners open links); ``POST /signin/<token>`` uses the link once and opens an
inbox session (a signed, HttpOnly cookie for ``SESSION_HOURS``); ``POST /signout`` ends it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from typing import Any

from fastapi import BackgroundTasks, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Engine
from sqlmodel import Session

from partnerflow.approvals import unsealer
from partnerflow.approvals.declarations import subject_names_for
from partnerflow.approvals.inbox import (
    decided_items,
    end_session,
    open_items,
    request_sign_in,
    session_person,
    use_sign_in,
)
from partnerflow.approvals.sign_in import SESSION_HOURS, SIGN_IN_MINUTES
from partnerflow.context import Context
from partnerflow.leads.attention import LeadAttention, needing_attention
from partnerflow.models import Person, Role
from partnerflow.notify import deliver_pending
from partnerflow.web.inbox_texts import inbox_texts_for
from partnerflow.web.reports import latest_reports

COOKIE = "pf_inbox"
Page = Callable[..., HTMLResponse]


def add_inbox(app: FastAPI, ctx: Context, engine: Engine, page: Page, outcome: Page) -> None:
    """Add the inbox and its sign-in to ``app`` (its pages, headers and limits)."""
    settings, clock, links, renderer = ctx.settings, ctx.clock, ctx.links, ctx.renderer
    keys = links.keys
    secure = settings.web_url.startswith("https://")

    def signed_in(request: Request, session: Session) -> Person | None:
        return session_person(session, keys, request.cookies.get(COOKIE, ""))

    def leads_for(session: Session, person: Person, now: datetime) -> list[LeadAttention]:
        """A channel manager's leads waiting on them (others have none)."""
        if Role.CHANNEL_MANAGER not in person.roles or person.id is None:
            return []
        within = ctx.policy("lead_routing", clock.today()).document.acceptance.status_within
        return needing_attention(session, person.id, now=now, status_within=within)

    @app.get("/inbox", response_class=HTMLResponse)
    def inbox(request: Request) -> HTMLResponse:
        now = clock.now()
        with Session(engine) as session:
            person = signed_in(request, session)
            if person is None or person.id is None:
                locale = settings.default_locale
                return page("signin.html.j2", locale=locale, t=inbox_texts_for(locale))
            locale = person.locale.value
            return page(
                "inbox.html.j2",
                locale=locale,
                t=inbox_texts_for(locale),
                subjects=subject_names_for(locale),
                person=person,
                now=now,
                open=open_items(session, links, person.id, now=now),
                decided=decided_items(session, person.id, now=now),
                leads=leads_for(session, person, now),
                reports=[
                    (name, links.report(name), written.date())
                    for name, written in latest_reports(settings.reports_dir, person.roles)
                ],
            )

    @app.post("/signin", response_class=HTMLResponse)
    def ask_for_link(background: BackgroundTasks, email: str = Form("", max_length=254)) -> HTMLResponse:
        with Session(engine) as session:
            mailed = request_sign_in(session, links, renderer, email, now=clock.now())
            session.commit()
        if mailed:  # at once, as the scheduled sender would a minute later (the outbox's lease
            background.add_task(deliver_now, engine, ctx)  # keeps it from going twice)
        locale = settings.default_locale
        t = inbox_texts_for(locale)
        return outcome(
            locale, "recorded", t["sent"], t["sent_detail"].format(minutes=SIGN_IN_MINUTES), status=200
        )

    @app.get("/signin/{token}", response_class=HTMLResponse)
    def show_link(token: str) -> HTMLResponse:
        locale = settings.default_locale
        return page("signin_link.html.j2", locale=locale, t=inbox_texts_for(locale))

    @app.post("/signin/{token}")
    def use_link(token: str) -> Response:
        with Session(engine) as session:
            found = use_sign_in(session, keys, token, now=clock.now())
            opened = None if isinstance(found, str) else (found.person.id or 0, found.link_id)
            session.commit()
        if opened is None:
            locale = settings.default_locale
            return outcome(locale, "refused", inbox_texts_for(locale)["refused"], str(found), status=410)
        return session_opened("/inbox", COOKIE, keys.session_token(*opened), secure=secure)

    @app.post("/signout")
    def sign_out(request: Request) -> Response:
        with Session(engine) as session:
            end_session(session, keys, request.cookies.get(COOKIE, ""), now=clock.now())
            session.commit()
        response = RedirectResponse("/inbox", status_code=303)
        response.delete_cookie(COOKIE)
        return response


def session_opened(home: str, cookie: str, token: str, *, secure: bool) -> Response:
    """The answer to a used sign-in link: to ``home``, with the session cookie (HttpOnly, SameSite,
    Secure over HTTPS, for ``SESSION_HOURS``; the server can end it before)."""
    response = RedirectResponse(home, status_code=303)
    response.set_cookie(
        cookie, token, max_age=SESSION_HOURS * 3600, httponly=True, samesite="lax", secure=secure
    )
    return response


def deliver_now(engine: Engine, ctx: Context) -> Any:
    """Send what waits in the outbox at once (a sign-in link), as the scheduled sender would a
    minute later; the outbox's lease keeps a message from going twice."""
    return asyncio.run(deliver_pending(engine, ctx.settings, unseal=unsealer(ctx.links)))
