"""The partners' anonymous survey and exit survey pages: a personal link shows the form, its POST
records the answer (``partnerflow.health.survey``, ``partnerflow.health.exit_survey``)."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from sqlalchemy import Engine
from sqlmodel import Session

from partnerflow.approvals import Keys
from partnerflow.clock import Clock
from partnerflow.context import Context
from partnerflow.health.exit_survey import answer_exit, find_exit_invitation
from partnerflow.health.survey import CAUSE_QUESTIONS, MAX_COMMENT, NotAnswered, answer, find_invitation
from partnerflow.web.form_values import single_values
from partnerflow.web.inbox import Page
from partnerflow.web.survey_texts import survey_texts_for


@dataclass(frozen=True)
class _Views:
    """The survey form and its refusals, shared by the quarter's survey and the exit survey."""

    page: Page
    outcome: Page
    default_locale: str

    def form(
        self, locale: str, min_group: int, problem: str = "", status: int = 200, *, leaving: bool = False
    ) -> HTMLResponse:
        return self.page(
            "survey.html.j2",
            status,
            locale=locale,
            t=survey_texts_for(locale),
            causes=CAUSE_QUESTIONS,
            min_group=min_group,
            max_comment=MAX_COMMENT,
            problem=problem,
            exit=leaving,
        )

    def refusal(self, refused: NotAnswered) -> HTMLResponse:
        locale = refused.locale or self.default_locale
        t = survey_texts_for(locale)
        if refused.reason == "invalid":
            return self.outcome(locale, "invalid", t["invalid"], t["invalid_detail"], status=404)
        detail = t["closed_detail"] if refused.reason == "closed" else t["thanks_detail"]
        return self.outcome(locale, "refused", t[refused.reason], detail, status=410)


def add_survey_pages(app: FastAPI, ctx: Context, engine: Engine, page: Page, outcome: Page) -> None:
    """Add ``/survey/<token>`` and ``/exit/<token>`` to ``app``."""
    views = _Views(page, outcome, ctx.settings.default_locale)
    _add_survey(app, engine, ctx.links.keys, ctx.clock, views)
    _add_exit(app, engine, ctx.links.keys, ctx.clock, views)


def _add_survey(app: FastAPI, engine: Engine, keys: Keys, clock: Clock, views: _Views) -> None:
    @app.get("/survey/{token}", response_class=HTMLResponse)
    def survey_page(token: str) -> HTMLResponse:
        with Session(engine) as session:
            found = find_invitation(session, keys, token, clock.now())
            if isinstance(found, NotAnswered):
                return views.refusal(found)
            return views.form(found[0].locale, found[1].min_group)

    @app.post("/survey/{token}", response_class=HTMLResponse)
    async def survey_answer(token: str, request: Request) -> HTMLResponse:
        return await run_in_threadpool(record_survey_answer, token, await single_values(request))

    def record_survey_answer(token: str, given: dict[str, str]) -> HTMLResponse:
        with Session(engine) as session:
            result = answer(session, keys, token, given, clock.now())
            session.commit()
        if isinstance(result, NotAnswered) and result.reason == "incomplete":
            return views.form(result.locale, result.min_group, result.detail, status=422)
        if isinstance(result, NotAnswered):
            return views.refusal(result)
        t = survey_texts_for(result.locale)
        return views.outcome(result.locale, "recorded", t["thanks"], t["thanks_detail"], status=200)


def _add_exit(app: FastAPI, engine: Engine, keys: Keys, clock: Clock, views: _Views) -> None:
    @app.get("/exit/{token}", response_class=HTMLResponse)
    def exit_page(token: str) -> HTMLResponse:
        with Session(engine) as session:
            found = find_exit_invitation(session, keys, token)
            if isinstance(found, NotAnswered):
                return views.refusal(found)
            return views.form(found.locale, 0, leaving=True)

    @app.post("/exit/{token}", response_class=HTMLResponse)
    async def exit_answer(token: str, request: Request) -> HTMLResponse:
        return await run_in_threadpool(record_exit_answer, token, await single_values(request))

    def record_exit_answer(token: str, given: dict[str, str]) -> HTMLResponse:
        with Session(engine) as session:
            result = answer_exit(session, keys, token, given, clock.now())
            session.commit()
        if isinstance(result, NotAnswered) and result.reason == "incomplete":
            return views.form(result.locale, 0, result.detail, status=422, leaving=True)
        if isinstance(result, NotAnswered):
            return views.refusal(result)
        t = survey_texts_for(result.locale)
        return views.outcome(result.locale, "recorded", t["exit_thanks"], status=200)
