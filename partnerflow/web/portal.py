"""The partner portal: a partner's contacts sign in with a magic link and act for their partner,
server-rendered in their language, no JavaScript.

``/portal`` lists the partner's registrations (state, reason, protection end); a registration's
page asks for a protection extension (the policy's cap); ``/portal/registrations/new`` registers a
deal through the same intake as the API, the CLI and the batch flow; ``/portal/statements`` shows
the commission statements, each with its lines and a CSV download; admins manage the partner's
contacts and API keys. Every object is looked up with the session's partner: another partner's
id answers 404 exactly like one that does not exist, and the attempt is audited
(``portal.refused``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import BackgroundTasks, FastAPI, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from partnerflow.approvals.sign_in import SIGN_IN_MINUTES
from partnerflow.audit import record_event
from partnerflow.clock import programme_date
from partnerflow.commissions import partner_statement, partner_statements, statement_csv
from partnerflow.context import Context
from partnerflow.health import training_of
from partnerflow.health.survey import waiting_invitation
from partnerflow.leads.kpis import midnight
from partnerflow.leads.worked import turns_of
from partnerflow.models import Registration, WebhookEndpoint
from partnerflow.partner_access import SCOPES, api_keys_of, make_api_key, revoke_api_key
from partnerflow.partner_access.contacts import ContactRefused, add_contact, change_role, remove_contact
from partnerflow.partner_access.portal_sign_in import (
    PortalUser,
    end_portal_session,
    portal_user,
    request_portal_sign_in,
    use_portal_sign_in,
)
from partnerflow.rebalancing import partner_scorecard
from partnerflow.registration import DealSubmission, ProtectionError, request_extension, take_in
from partnerflow.text import MAX_ID
from partnerflow.web.inbox import Page, deliver_now, session_opened
from partnerflow.web.partner_api import Starter
from partnerflow.web.portal_texts import portal_texts_for
from partnerflow.web.problems import field_problems
from partnerflow.webhooks import (
    EVENT_TYPES,
    EndpointRefused,
    add_endpoint,
    deliveries_of,
    disable_endpoint,
    endpoints_of,
    replay,
    rotate_secret,
)

COOKIE = "pf_portal"
FORM_FIELDS = tuple(name for name in DealSubmission.model_fields if name not in {"partner_id", "currency"})
"""What a salesperson types: a deal submission but the partner (the session's) and the currency
(the programme's)."""


class SignInFirst(Exception):
    """No live portal session: the page sends the browser to the sign-in form."""


class Refused(Exception):
    """A request refused to a signed-in contact, audited (``portal.refused``); who asked is
    read at once (the session is closed when the answer is written)."""

    def __init__(self, user: PortalUser, reason: str) -> None:
        super().__init__(reason)
        self.contact_id, self.partner_id, self.locale = user.contact_id, user.partner_id, user.locale
        self.reason = reason


class NotTheirs(Refused):
    """Another partner's object, or none: 404 alike."""

    def __init__(self, user: PortalUser, what: str) -> None:
        super().__init__(user, f"not one of the partner's: {what}")


class AdminsOnly(Refused):
    """A change only the partner's admins may make: 403."""

    def __init__(self, user: PortalUser, path: str) -> None:
        super().__init__(user, f"not an admin: {path}")


SignedIn = Callable[[Request, Session], PortalUser]
Show = Callable[..., HTMLResponse]


def add_portal(
    app: FastAPI, ctx: Context, engine: Engine, page: Page, outcome: Page, *, start_review: Starter
) -> None:
    """Add the portal, its sign-in and its pages to ``app``."""
    settings, clock, keys = ctx.settings, ctx.clock, ctx.links.keys

    def signed_in(request: Request, session: Session) -> PortalUser:
        user = portal_user(session, keys, request.cookies.get(COOKIE, ""))
        if user is None:
            raise SignInFirst
        return user

    def show(user: PortalUser, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        return page(
            template, status, locale=user.locale, t=portal_texts_for(user.locale), user=user, **context
        )

    def audit(error: Refused) -> None:
        with Session(engine) as session:
            record_event(
                session,
                now=clock.now(),
                actor=f"portal-contact:{error.contact_id}",
                action="portal.refused",
                subject_type="partner",
                subject_id=error.partner_id,
                details={"reason": error.reason[:200]},
            )
            session.commit()

    @app.exception_handler(SignInFirst)
    async def sign_in_first(_request: Request, _error: SignInFirst) -> Response:
        return RedirectResponse("/portal", status_code=303)

    @app.exception_handler(Refused)
    async def refused(_request: Request, error: Refused) -> Response:
        await run_in_threadpool(audit, error)
        t = portal_texts_for(error.locale)
        if isinstance(error, AdminsOnly):
            return outcome(error.locale, "refused", t["admins_only"], t["admins_only"], status=403)
        return outcome(error.locale, "refused", t["not_found"], t["not_found_detail"], status=404)

    @app.get("/portal", response_class=HTMLResponse)
    def home(request: Request) -> HTMLResponse:
        with Session(engine) as session:
            user = portal_user(session, keys, request.cookies.get(COOKIE, ""))
            if user is None:
                locale = settings.default_locale
                return page("portal_signin.html.j2", locale=locale, t=portal_texts_for(locale))
            query = select(Registration).where(Registration.partner_id == user.partner_id)
            rows = list(session.exec(query.order_by(col(Registration.id).desc()).limit(200)))
            survey = waiting_invitation(session, user.partner_id, user.contact.email, now=clock.now())
            return show(
                user,
                "portal_registrations.html.j2",
                registrations=rows,
                survey=(ctx.links.survey(survey[0].id or 0), survey[1].closes_at) if survey else None,
            )

    _add_sign_in(app, ctx, engine, page, outcome)
    _add_registration_pages(app, ctx, engine, signed_in, show, start_review)
    _add_statement_pages(app, engine, signed_in, show)
    _add_progress_pages(app, ctx, engine, signed_in, show)
    _add_contact_pages(app, ctx, engine, signed_in, show)
    _add_key_pages(app, ctx, engine, signed_in, show)
    _add_webhook_pages(app, ctx, engine, signed_in, show)


def _add_sign_in(app: FastAPI, ctx: Context, engine: Engine, page: Page, outcome: Page) -> None:
    """The portal's door: a link mailed on request, a button that uses it, sign-out."""
    settings, clock, links, renderer = ctx.settings, ctx.clock, ctx.links, ctx.renderer
    keys = links.keys
    secure = settings.web_url.startswith("https://")

    @app.post("/portal/signin", response_class=HTMLResponse)
    def ask_for_link(background: BackgroundTasks, email: str = Form("", max_length=254)) -> HTMLResponse:
        with Session(engine) as session:
            mailed = request_portal_sign_in(session, links, renderer, email, now=clock.now())
            session.commit()
        if mailed:
            background.add_task(deliver_now, engine, ctx)
        locale = settings.default_locale
        t = portal_texts_for(locale)
        detail = t["sent_detail"].format(minutes=SIGN_IN_MINUTES)
        return outcome(locale, "recorded", t["sent"], detail, status=200)

    @app.get("/portal/signin/{token}", response_class=HTMLResponse)
    def show_link(token: str) -> HTMLResponse:
        locale = settings.default_locale
        return page("signin_link.html.j2", locale=locale, t=portal_texts_for(locale))

    @app.post("/portal/signin/{token}")
    def use_link(token: str) -> Response:
        with Session(engine) as session:
            found = use_portal_sign_in(session, keys, token, now=clock.now())
            session.commit()
        if isinstance(found, str):
            locale = settings.default_locale
            return outcome(locale, "refused", portal_texts_for(locale)["refused"], found, status=410)
        return session_opened("/portal", COOKIE, keys.session_token(*found), secure=secure)

    @app.post("/portal/signout")
    def sign_out(request: Request) -> Response:
        with Session(engine) as session:
            end_portal_session(session, keys, request.cookies.get(COOKIE, ""), now=clock.now())
            session.commit()
        response = RedirectResponse("/portal", status_code=303)
        response.delete_cookie(COOKIE)
        return response


async def _text_and_choices(request: Request, text: str, choices: str) -> tuple[str, list[str]]:
    """A form's one text field and its ticked boxes (a file sent in their place counts as empty)."""
    form = await request.form()
    value = form.get(text, "")
    return (value if isinstance(value, str) else ""), [
        item for item in form.getlist(choices) if isinstance(item, str)
    ]


def _admin(signed_in: SignedIn, request: Request, session: Session) -> PortalUser:
    user = signed_in(request, session)
    if not user.is_admin:
        raise AdminsOnly(user, request.url.path[:120])
    return user


def _registration_of(session: Session, user: PortalUser, registration_id: int) -> Registration:
    row = session.get(Registration, registration_id) if 0 < registration_id <= MAX_ID else None
    if row is None or row.partner_id != user.partner_id:
        raise NotTheirs(user, f"registration {registration_id}")
    return row


def _statement_of(session: Session, user: PortalUser, statement_id: int) -> dict[str, Any]:
    view = partner_statement(session, user.partner_id, statement_id) if 0 < statement_id <= MAX_ID else None
    if view is None:
        raise NotTheirs(user, f"statement {statement_id}")
    return view


def _submission(given: dict[str, str], partner_id: int) -> dict[str, Any]:
    """The form's filled-in fields as the intake takes them (product lines split at commas)."""
    raw: dict[str, Any] = {name: value for name, value in given.items() if value}
    if "product_lines" in raw:
        raw["product_lines"] = [line.strip() for line in raw["product_lines"].split(",") if line.strip()]
    return {**raw, "partner_id": partner_id}


def _add_registration_pages(
    app: FastAPI, ctx: Context, engine: Engine, signed_in: SignedIn, show: Show, start_review: Starter
) -> None:
    clock = ctx.clock

    def registration_page(user: PortalUser, row: Registration, **extra: Any) -> HTMLResponse:
        protection = ctx.policy("deal_registration", programme_date(clock.now())).document.protection
        return show(
            user,
            "portal_registration.html.j2",
            row=row,
            submitted_on=programme_date(row.submitted_at),
            extensions_left=max(0, protection.max_extensions - row.extensions_used),
            extension_days=protection.extension_days,
            **extra,
        )

    @app.get("/portal/registrations/new", response_class=HTMLResponse)
    def new_form(request: Request) -> Response:
        with Session(engine) as session:
            return show(signed_in(request, session), "portal_new.html.j2", values={}, problems={}, general=[])

    @app.post("/portal/registrations/new", response_class=HTMLResponse)
    async def register(request: Request) -> Response:
        form = await request.form()
        given = {name: value.strip() for name in FORM_FIELDS if isinstance(value := form.get(name, ""), str)}
        return await run_in_threadpool(registered, request, given)

    def registered(request: Request, given: dict[str, str]) -> Response:
        now = clock.now()
        with Session(engine) as session:
            user = signed_in(request, session)
            policy = ctx.policy("deal_registration", programme_date(now))
            result = take_in(
                session, _submission(given, user.partner_id), policy=policy, renderer=ctx.renderer, now=now
            )
            session.commit()
            if result.outcome == "refused":
                problems: dict[str, list[str]] = {}
                for found in field_problems(result.problems, FORM_FIELDS):
                    problems.setdefault(found.field, []).append(found.reason)
                general = problems.pop("", [])
                return show(user, "portal_new.html.j2", 422, values=given, problems=problems, general=general)
        if result.outcome == "review":
            start_review(result.registration_id)
        return RedirectResponse(f"/portal/registrations/{result.registration_id}", status_code=303)

    @app.get("/portal/registrations/{registration_id}", response_class=HTMLResponse)
    def registration(request: Request, registration_id: int) -> Response:
        with Session(engine) as session:
            user = signed_in(request, session)
            return registration_page(user, _registration_of(session, user, registration_id))

    @app.post("/portal/registrations/{registration_id}/extension", response_class=HTMLResponse)
    def extend(request: Request, registration_id: int) -> Response:
        now = clock.now()
        with Session(engine) as session:
            user = signed_in(request, session)
            row = _registration_of(session, user, registration_id)
            policy = ctx.policy("deal_registration", programme_date(now))
            try:
                decision = request_extension(
                    session, registration_id, policy=policy, renderer=ctx.renderer, now=now
                )
            except ProtectionError as error:
                session.rollback()
                return registration_page(
                    user, _registration_of(session, user, registration_id), problem=str(error)
                )
            session.commit()
            session.refresh(row)
            return registration_page(user, row, extension=decision)


def _add_progress_pages(app: FastAPI, ctx: Context, engine: Engine, signed_in: SignedIn, show: Show) -> None:
    """What the programme sees of the partner: its lead scorecard for the year so far, against
    the objectives, and its training records."""

    @app.get("/portal/scorecard", response_class=HTMLResponse)
    def scorecard(request: Request) -> Response:
        today = ctx.clock.today()
        document = ctx.policy("rebalancing", today).document
        with Session(engine) as session:
            user = signed_in(request, session)
            card = partner_scorecard(session, user.partner_id, today=today, document=document)
            return show(user, "portal_scorecard.html.j2", card=card)

    @app.get("/portal/leads", response_class=HTMLResponse)
    def leads(request: Request) -> Response:
        """The reseller's leads this year and the ones it holds, each with the signed-in contact's
        own link to its page (where it is opened, accepted, declared)."""
        today = ctx.clock.today()
        with Session(engine) as session:
            user = signed_in(request, session)
            since = midnight(today.replace(month=1, day=1))
            rows = [
                (turn, lead, ctx.links.lead(turn.id or 0, user.contact_id))
                for turn, lead in turns_of(session, user.partner_id, since)
            ]
            return show(user, "portal_leads.html.j2", rows=rows)

    @app.get("/portal/training", response_class=HTMLResponse)
    def training(request: Request) -> Response:
        with Session(engine) as session:
            user = signed_in(request, session)
            return show(
                user,
                "portal_training.html.j2",
                records=training_of(session, user.partner_id),
                today=ctx.clock.today(),
            )


def _add_statement_pages(app: FastAPI, engine: Engine, signed_in: SignedIn, show: Show) -> None:
    @app.get("/portal/statements", response_class=HTMLResponse)
    def statements(request: Request) -> Response:
        with Session(engine) as session:
            user = signed_in(request, session)
            return show(
                user, "portal_statements.html.j2", statements=partner_statements(session, user.partner_id)
            )

    @app.get("/portal/statements/{statement_id}", response_class=HTMLResponse)
    def statement(request: Request, statement_id: int) -> Response:
        with Session(engine) as session:
            user = signed_in(request, session)
            return show(user, "portal_statement.html.j2", view=_statement_of(session, user, statement_id))

    @app.get("/portal/statements/{statement_id}/csv")
    def statement_file(request: Request, statement_id: int) -> Response:
        with Session(engine) as session:
            user = signed_in(request, session)
            view = _statement_of(session, user, statement_id)
        name = f"statement-{view['period']}-{statement_id}.csv"
        return Response(
            statement_csv(view, user.locale),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )


def _add_contact_pages(app: FastAPI, ctx: Context, engine: Engine, signed_in: SignedIn, show: Show) -> None:
    """The partner's contacts: every contact reads them, only admins change them."""
    clock = ctx.clock

    def contacts_page(session: Session, user: PortalUser, status: int = 200, **extra: Any) -> HTMLResponse:
        session.refresh(user.partner)
        active = [contact for contact in user.partner.contacts if contact.active]
        return show(user, "portal_contacts.html.j2", status, contacts=active, **extra)

    @app.get("/portal/contacts", response_class=HTMLResponse)
    def contacts(request: Request) -> Response:
        with Session(engine) as session:
            return contacts_page(session, signed_in(request, session))

    @app.post("/portal/contacts", response_class=HTMLResponse)
    def add(
        request: Request,
        email: str = Form("", max_length=254),
        name: str = Form("", max_length=200),
        locale: str = Form("fr", max_length=5),
        role: str = Form("sales", max_length=10),
    ) -> Response:
        with Session(engine) as session:
            user = _admin(signed_in, request, session)
            actor = f"portal-contact:{user.contact_id}"
            try:
                add_contact(
                    session,
                    user.partner,
                    email=email,
                    name=name,
                    locale=locale,
                    role=role,
                    actor=actor,
                    now=clock.now(),
                )
            except ContactRefused as refused:
                session.rollback()
                values = {"email": email, "name": name}
                return contacts_page(session, user, 422, problem=str(refused), values=values)
            session.commit()
            return contacts_page(session, user)

    @app.post("/portal/contacts/{contact_id}/{change}", response_class=HTMLResponse)
    def change(request: Request, contact_id: int, change: str) -> Response:
        with Session(engine) as session:
            user = _admin(signed_in, request, session)
            actor, now = f"portal-contact:{user.contact_id}", clock.now()
            try:
                if change == "remove":
                    remove_contact(session, user.partner, contact_id, actor=actor, now=now)
                elif change in ("admin", "sales"):
                    change_role(session, user.partner, contact_id, change, actor=actor, now=now)
                else:
                    raise LookupError(change)
            except LookupError:
                session.rollback()
                raise NotTheirs(user, f"contact {contact_id}") from None
            except ContactRefused as refused:
                session.rollback()
                return contacts_page(session, user, 422, problem=str(refused))
            session.commit()
            return contacts_page(session, user)


def _add_key_pages(app: FastAPI, ctx: Context, engine: Engine, signed_in: SignedIn, show: Show) -> None:
    """The partner's API keys, for its admins: made (shown once), listed, revoked."""
    clock, keys = ctx.clock, ctx.links.keys

    def keys_page(session: Session, user: PortalUser, status: int = 200, **extra: Any) -> HTMLResponse:
        listed = api_keys_of(session, user.partner_id)
        return show(user, "portal_keys.html.j2", status, api_keys=listed, scopes=SCOPES, **extra)

    @app.get("/portal/keys", response_class=HTMLResponse)
    def api_keys(request: Request) -> Response:
        with Session(engine) as session:
            return keys_page(session, _admin(signed_in, request, session))

    @app.post("/portal/keys", response_class=HTMLResponse)
    async def create_key(request: Request) -> Response:
        name, scopes = await _text_and_choices(request, "name", "scopes")
        return await run_in_threadpool(created_key, request, name, scopes)

    def created_key(request: Request, name: str, scopes: list[str]) -> Response:
        with Session(engine) as session:
            user = _admin(signed_in, request, session)
            try:
                made = make_api_key(
                    session,
                    keys,
                    user.partner_id,
                    name=name,
                    scopes=scopes,
                    created_by=f"portal-contact:{user.contact_id}",
                    now=clock.now(),
                )
            except ValueError as refused:
                session.rollback()
                return keys_page(session, user, 422, problem=str(refused))
            session.commit()
            return keys_page(session, user, new_key=made.key)

    @app.post("/portal/keys/{prefix}/revoke", response_class=HTMLResponse)
    def revoke(request: Request, prefix: str) -> Response:
        with Session(engine) as session:
            user = _admin(signed_in, request, session)
            if prefix not in {key.prefix for key in api_keys_of(session, user.partner_id)}:
                raise NotTheirs(user, f"API key {prefix[:40]}")
            revoke_api_key(session, prefix, actor=f"portal-contact:{user.contact_id}", now=clock.now())
            session.commit()
            return keys_page(session, user)


def _add_webhook_pages(app: FastAPI, ctx: Context, engine: Engine, signed_in: SignedIn, show: Show) -> None:
    """The partner's webhook endpoints and deliveries, for its admins: add (the secret shown
    once), rotate the secret, disable; send a delivery again."""
    clock, keys, allow_private = ctx.clock, ctx.links.keys, ctx.settings.webhooks_allow_private

    def webhooks_page(session: Session, user: PortalUser, status: int = 200, **extra: Any) -> HTMLResponse:
        return show(
            user,
            "portal_webhooks.html.j2",
            status,
            endpoints=endpoints_of(session, user.partner_id),
            deliveries=deliveries_of(session, user.partner_id),
            event_types=EVENT_TYPES,
            **extra,
        )

    def endpoint_of(session: Session, user: PortalUser, endpoint_id: int) -> WebhookEndpoint:
        endpoint = session.get(WebhookEndpoint, endpoint_id) if 0 < endpoint_id <= MAX_ID else None
        if endpoint is None or endpoint.partner_id != user.partner_id or endpoint.disabled_at is not None:
            raise NotTheirs(user, f"webhook endpoint {endpoint_id}")
        return endpoint

    @app.get("/portal/webhooks", response_class=HTMLResponse)
    def webhooks(request: Request) -> Response:
        with Session(engine) as session:
            return webhooks_page(session, _admin(signed_in, request, session))

    @app.post("/portal/webhooks", response_class=HTMLResponse)
    async def add(request: Request) -> Response:
        url, events = await _text_and_choices(request, "url", "events")
        return await run_in_threadpool(added, request, url, events)

    def added(request: Request, url: str, events: list[str]) -> Response:
        with Session(engine) as session:
            user = _admin(signed_in, request, session)
            try:
                made = add_endpoint(
                    session,
                    keys,
                    user.partner_id,
                    url=url,
                    events=events,
                    created_by=f"portal-contact:{user.contact_id}",
                    now=clock.now(),
                    allow_private=allow_private,
                )
            except EndpointRefused as refused:
                session.rollback()
                return webhooks_page(session, user, 422, problem=str(refused), url=url)
            session.commit()
            return webhooks_page(session, user, new_secret=made.secret)

    @app.post("/portal/webhooks/{endpoint_id}/{change}", response_class=HTMLResponse)
    def change(request: Request, endpoint_id: int, change: str) -> Response:
        with Session(engine) as session:
            user = _admin(signed_in, request, session)
            endpoint = endpoint_of(session, user, endpoint_id)
            actor, now = f"portal-contact:{user.contact_id}", clock.now()
            if change == "rotate":
                made = rotate_secret(session, keys, endpoint, actor=actor, now=now)
                session.commit()
                return webhooks_page(session, user, new_secret=made.secret)
            if change != "disable":
                raise NotTheirs(user, f"webhook endpoint {endpoint_id}/{change[:20]}")
            disable_endpoint(session, endpoint, actor=actor, now=now)
            session.commit()
            return webhooks_page(session, user)

    @app.post("/portal/webhooks/deliveries/{delivery_id}/replay", response_class=HTMLResponse)
    def send_again(request: Request, delivery_id: int) -> Response:
        with Session(engine) as session:
            user = _admin(signed_in, request, session)
            actor = f"portal-contact:{user.contact_id}"
            if not (
                0 < delivery_id <= MAX_ID
                and replay(session, user.partner_id, delivery_id, actor=actor, now=clock.now())
            ):
                raise NotTheirs(user, f"webhook delivery {delivery_id}")
            session.commit()
            return webhooks_page(session, user)
