"""The approval page: where people who are not Prefect operators meet partnerflow. The app also
mounts the inbox (``web/inbox.py``), the partner portal (``web/portal.py``), the partner API
(``web/partner_api.py``), the reports (``web/reports.py``), the partners' surveys
(``web/survey_pages.py``) and the referral page (``web/referral_pages.py``).

``GET /approve/<token>`` shows the decision's summary and buttons and never decides (mail
scanners fetch links); ``POST`` records the answer through :mod:`partnerflow.approvals` and
wakes the run waiting for it. A dead link (altered, used, expired, superseded) gets a page that
says so, an audit event, and changes nothing. The token in the URL is the credential: pages are
never cached, never framed, and send no Referer.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, PlainTextResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from sqlalchemy import Engine
from sqlmodel import Session

from partnerflow.approvals import (
    Grantee,
    Recorded,
    Reply,
    Subject,
    answer_by_link,
    decision_kind,
    find_by_link,
    grant_problem,
    read_details,
    refuse,
    wake_values,
)
from partnerflow.clock import programme_date
from partnerflow.context import Context, context
from partnerflow.db import get_engine
from partnerflow.markdown import summary_html
from partnerflow.notify.rendering import LOCALE_FILTERS
from partnerflow.settings import Settings
from partnerflow.web.inbox import Page, add_inbox
from partnerflow.web.lead_pages import add_lead_pages
from partnerflow.web.limits import LimitedBody
from partnerflow.web.partner_api import Starter, partner_api
from partnerflow.web.portal import add_portal
from partnerflow.web.rate_limits import SlidingWindow
from partnerflow.web.referral_pages import add_referral_pages
from partnerflow.web.reports import add_reports
from partnerflow.web.same_origin import is_cross_site_post, origin_of
from partnerflow.web.survey_pages import add_survey_pages
from partnerflow.web.texts import texts_for, words_for

HERE = Path(__file__).parent
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
}
Waker = Callable[[str, dict[str, str]], bool]
"""Wakes a waiting run with form values; False if the run was not waiting."""


def prefect_waker(settings: Settings) -> Waker:
    """Wake runs through the Prefect API (``PREFECT_API_URL``, with its auth string if set)."""

    def wake(flow_run_id: str, values: dict[str, str]) -> bool:
        from partnerflow.orchestration.prefect_api import PrefectUnavailable, wake_waiting_run

        try:
            return wake_waiting_run(flow_run_id, values)
        except PrefectUnavailable:
            return False  # recorded all the same: the next SLA sweep wakes the run

    return wake


def prefect_review_starter() -> Starter:
    """Start an escalated registration's review run through the Prefect API; without a server
    the review SLA sweep starts it later (``registration/sla.py``: ``without_run``)."""

    def start(registration_id: int) -> None:
        from partnerflow.orchestration.prefect_api import PrefectUnavailable, start_run

        with suppress(PrefectUnavailable):
            start_run("review-registration/review-registration", {"registration_id": registration_id})

    return start


def beside(start: Starter) -> Starter:
    """``start`` on one thread beside the requests. Starting a review run talks to Prefect, which
    may be slow or down (its client then retries for seconds, and the review SLA sweep starts
    the run later): no answer, and no next request on the connection, waits for it."""
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="review-starter")

    def submit(registration_id: int) -> None:
        pool.submit(start, registration_id)

    return submit


def create_app(
    ctx: Context | None = None, *, wake: Waker | None = None, start_review: Starter | None = None
) -> FastAPI:
    """The app on ``ctx`` (default: the process's Context): its settings, keys, renderer and
    clock, as the tasks and the command line use them (building the Context declares every
    process's decisions, which the page shows and takes)."""
    ctx = ctx or context()
    settings, clock, keys = ctx.settings, ctx.clock, ctx.links.keys
    engine = get_engine(settings.database_url)
    waker = wake or prefect_waker(settings)
    pages = Environment(
        loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(default=True)
    )
    pages.filters.update(LOCALE_FILTERS)
    pages.filters["day"] = programme_date  # an instant as the programme's day (Europe/Paris)
    stylesheet = (HERE / "page.css").read_text(encoding="utf-8")
    app = FastAPI(title="partnerflow approvals", docs_url=None, redoc_url=None, openapi_url=None)
    # Added first: inside ``secure``, so a 413 gets its headers too.
    app.add_middleware(LimitedBody, limit=settings.web_max_body_kb * 1024)

    def page(template: str, status: int = 200, **context: Any) -> HTMLResponse:
        return HTMLResponse(pages.get_template(template).render(**context), status_code=status)

    def outcome(locale: str, kind: str, heading: str, *lines: str, status: int) -> HTMLResponse:
        return page("outcome.html.j2", status, locale=locale, kind=kind, heading=heading, lines=lines)

    _add_guards(app, ctx, engine, outcome)

    def invalid(session: Session) -> HTMLResponse:
        """No person is known from an altered link: the installation's default language."""
        locale = settings.default_locale
        refuse(
            session,
            None,
            "unknown",
            "link",
            "this link is not valid (altered or from elsewhere)",
            now=clock.now(),
        )
        session.commit()
        t = texts_for(locale)
        return outcome(locale, "invalid", t["invalid"], t["invalid_detail"], status=404)

    @app.get("/page.css")
    def css() -> Response:
        return Response(stylesheet, media_type="text/css")

    @app.get("/healthz")
    def health() -> PlainTextResponse:
        return PlainTextResponse("ok")

    @app.get("/approve/{token}", response_class=HTMLResponse)
    def show(token: str) -> HTMLResponse:
        now = clock.now()
        with Session(engine) as session:
            found = find_by_link(session, keys, token)
            if found is None:
                return invalid(session)
            locale = found.person.locale.value
            problem = grant_problem(session, found, now)
            if problem is not None:
                refuse(session, _subject(found), found.person.email, "link-view", problem, now=now)
                session.commit()
                return outcome(locale, "refused", texts_for(locale)["closed"], problem, status=410)
            request = found.request
            kind = decision_kind(request.subject_kind)
            return page(
                "decide.html.j2",
                locale=locale,
                t=words_for(locale, request.subject_kind),
                subject=_subject(found),
                request=request,
                person=found.person,
                summary_html=Markup(summary_html(request.summary)),
                decisions=kind.answers,
                detail_fields=kind.fields.get(request.role, ()),
            )

    @app.post("/approve/{token}", response_class=HTMLResponse)
    async def decide(token: str, request: Request) -> HTMLResponse:
        """The form's fields, each read as text: a decision sent twice decides nothing; the
        decision's own fields go to its reader, any other field is ignored."""
        form = (await request.form()).multi_items()
        given: dict[str, list[str]] = {}
        for name, value in form:
            given.setdefault(name, []).append(value if isinstance(value, str) else "")
        return await run_in_threadpool(record, token, given)

    def record(token: str, given: dict[str, list[str]]) -> HTMLResponse:
        now = clock.now()
        decisions = given.get("decision", [])
        chosen = decisions[0] if len(decisions) == 1 else ""  # two decisions decide nothing
        comment = (given.get("comment") or [""])[0]
        with Session(engine) as session:
            found = find_by_link(session, keys, token)
            if found is None:
                return invalid(session)
            locale = found.person.locale.value
            t = words_for(locale, found.request.subject_kind)
            fields = decision_kind(found.request.subject_kind).fields.get(found.request.role, ())
            values = {name: value for name in fields if (value := given.get(name, [""])[0].strip())}
            details, problem = read_details(session, _subject(found), values, chosen)
            result = (
                answer_by_link(session, keys, token, Reply(chosen, comment, details), now=now)
                if problem is None
                else refuse(session, _subject(found), found.person.email, "link", problem, now=now)
            )
            run_id = result.request.flow_run_id if isinstance(result, Recorded) else None
            kind = found.request.subject_kind
            session.commit()
        if not isinstance(result, Recorded):
            return outcome(locale, "refused", t["refused"], result.reason, status=409)
        woken = run_id is not None and waker(run_id, wake_values(keys, run_id, kind))
        label = t.get(chosen, chosen)
        return outcome(
            locale,
            "recorded",
            t["recorded"].format(decision=label),
            t["applied" if woken else "pending"],
            status=200,
        )

    add_inbox(app, ctx, engine, page, outcome)
    add_reports(app, ctx, outcome)

    add_survey_pages(app, ctx, engine, page, outcome)
    add_referral_pages(app, ctx, engine, page, outcome)
    add_lead_pages(app, ctx, engine, page, outcome)
    starter = beside(start_review or prefect_review_starter())
    add_portal(app, ctx, engine, page, outcome, start_review=starter)
    app.mount("/api/v1", partner_api(ctx, engine, start_review=starter))

    return app


def _add_guards(app: FastAPI, ctx: Context, engine: Engine, outcome: Page) -> None:
    """Every request: POSTs rate-limited per source and refused from another site (audited), and
    the security headers on every response."""
    settings, clock = ctx.settings, ctx.clock
    own_origins = frozenset({origin_of(settings.web_url)})
    posts = SlidingWindow(settings.web_posts_per_minute)

    @app.middleware("http")
    async def secure(request: Request, call_next: Callable[[Request], Any]) -> Response:
        source = request.client.host if request.client else "unknown"
        api = request.url.path.startswith("/api/")  # keyed, not cookie-based: limited per key
        wait = posts.wait_before(source) if request.method == "POST" and not api else 0
        locale, t = settings.default_locale, texts_for(settings.default_locale)
        if wait:  # first: past the limit, not even a refusal is written
            response: Response = outcome(locale, "refused", t["too_many"], t["too_many_detail"], status=429)
            response.headers["Retry-After"] = str(wait)
        elif not api and is_cross_site_post(request, own_origins):
            await run_in_threadpool(audit_cross_site, request)
            response = outcome(locale, "refused", t["cross_site"], t["cross_site_detail"], status=403)
        else:
            response = await call_next(request)
        for header, value in SECURITY_HEADERS.items():  # a report page sets its own policy
            response.headers.setdefault(header, value)
        return response

    def audit_cross_site(request: Request) -> None:
        """Every refusal is audited (``approval.refused`` via ``web``), with where it came from."""
        came_from = request.headers.get("origin") or request.headers.get("sec-fetch-site") or "?"
        reason = f"a POST to {request.url.path[:200]} from another site ({came_from[:200]})"
        with Session(engine) as session:
            refuse(session, None, "unknown", "web", reason, now=clock.now())
            session.commit()


def _subject(found: Grantee) -> Subject:
    return Subject(found.request.subject_kind, found.request.subject_id)
