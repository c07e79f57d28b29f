"""The demo's steps in order (``make demo``, ``python -m demo``), on embedded defaults."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy import func
from sqlmodel import Session, col, select

from demo.campaign import run_campaign_demo
from demo.commissions import run_commission_demo
from demo.deals import run_deal_demo
from demo.health import run_health_demo
from demo.inbox import run_inbox_demo
from demo.leads import run_lead_demo
from demo.partner_api import run_partner_api_demo
from demo.portal import download_a_statement, run_portal_demo
from demo.rebalancing import run_rebalancing_demo
from demo.referrals import run_referral_demo, show_referral_report
from partnerflow.cli.output import console, friendly_errors
from partnerflow.cli.policy_commands import list_policies
from partnerflow.cli.progress import step
from partnerflow.context import context
from partnerflow.db import get_engine, migrate, session_scope, shown_url
from partnerflow.lifecycle.welcome import queue_welcome
from partnerflow.models import CommissionLine, Notification, Partner, Registration
from partnerflow.notify import MailSink, free_port, port_is_free
from partnerflow.orchestration.local_server import local_prefect_server
from partnerflow.sample_data.history import seed_demo_history
from partnerflow.sample_data.network import seed_demo_leads, seed_demo_network
from partnerflow.settings import Settings, get_settings

WELCOMED_PARTNERS = 4


@friendly_errors
def demo(
    port: Annotated[int, typer.Option(help="Prefect server port (reused if already running).")] = 4200,
) -> None:
    """Initialise, seed, list the policies in force and deliver partner e-mails through Prefect."""
    settings = get_settings()
    console.rule("1. database")
    with step("creating the tables", shown=console):
        migrate(settings.database_url)
    console.print(f"database: {shown_url(settings.database_url)}")
    today = context().clock.today()
    this_year = today.year
    with (
        step("seeding the network and the year's leads", shown=console),
        session_scope(get_engine()) as session,
    ):
        report = seed_demo_network(session, now=context().clock.now())
        leads = seed_demo_leads(session, today=today)
    console.print(
        f"network: {report.territories} départements, {report.partners} partners, "
        f"{report.people} people" + (" (already seeded)" if report.already_seeded else "")
    )
    if leads.leads:
        console.print(f"leads: {leads.leads} leads and {leads.events} lead events for {this_year} so far")
    with step("seeding 18 months of history", shown=console), session_scope(get_engine()) as session:
        active = session.exec(
            select(Partner.id).where(Partner.status == "active").order_by(col(Partner.id))
        ).all()
        history = seed_demo_history(
            session, [pid for pid in active if pid is not None], as_of=context().clock.now()
        )
    if history is not None:
        console.print(
            f"history: {history.count(Registration)} registrations and {history.count(CommissionLine)} "
            "commission lines over the last 18 months (partner health reads them)"
        )

    console.rule("2. policies")
    list_policies(as_of=None, as_json=False)

    console.rule("3. notifications")
    queued = _queue_welcomes()
    console.print(f"queued {queued} welcome e-mail(s) in the outbox")
    sink_port = settings.smtp_port if port_is_free(settings.smtp_port) else free_port()
    os.environ["PARTNERFLOW_SMTP_PORT"] = str(sink_port)
    get_settings.cache_clear()
    os.environ.setdefault("PREFECT_API_URL", f"http://127.0.0.1:{port}/api")  # the page resumes runs there
    with ExitStack() as running:
        running.enter_context(MailSink(settings.mail_dir, port=sink_port))
        with step("starting the Prefect server", shown=console):
            server = running.enter_context(local_prefect_server(settings.prefect_home, port=port))
        running.enter_context(approval_page(settings))
        console.print(f"Prefect server: {server.api_url}; SMTP sink: 127.0.0.1:{sink_port}")
        console.print(f"Approval page: {settings.web_url} (reviewers answer there from their e-mail)")
        os.environ["PREFECT_API_URL"] = server.api_url
        from flows.notification_delivery import deliver_notifications

        counts = deliver_notifications()
        console.rule("4. deal registration")
        run_deal_demo()
        console.rule("4b. a partner's CRM through the API, a salesperson in the portal")
        run_partner_api_demo()
        run_portal_demo()
        console.rule("5. discount campaign")
        run_campaign_demo()
        console.rule("6. customer referral programme: the pilot")
        run_referral_demo()
        console.rule("7. commission settlement (referral rewards paid with it)")
        run_commission_demo()
        download_a_statement()
        show_referral_report()
        console.rule("8. lead distribution: a day of leads, offered, worked, passed on")
        run_lead_demo()
        console.rule("9. reseller rebalancing")
        run_rebalancing_demo(this_year)  # the year so far: the shipped policies start in 2026
        console.rule("10. partner health and the anonymous survey")
        run_health_demo()
        console.rule("11. my decisions: the channel team's inbox")
        run_inbox_demo()
        from prefect.logging.handlers import APILogHandler

        APILogHandler().flush()  # ship the run's logs while the server still answers
    console.print(f"deliver-notifications flow: {counts}")
    _show_outbox()
    console.print(f"\nE-mails written to [bold]{settings.mail_dir}[/bold] (open the .eml files).")
    console.print("Next: `partnerflow up` and open http://127.0.0.1:4200")


@contextmanager
def approval_page(settings: Settings) -> Iterator[None]:
    """The approval page the e-mails' links point to: served here unless ``up`` already does."""
    if not port_is_free(settings.web_port):
        yield
        return
    from partnerflow.web import create_app
    from partnerflow.web.server import web_in_thread

    with web_in_thread(create_app(context()), settings.web_host, settings.web_port):
        yield


def _queue_welcomes() -> int:
    ctx = context()
    renderer = ctx.renderer
    today = ctx.clock.today()
    policy = ctx.policy("deal_registration", today)
    queued = 0
    with session_scope(get_engine()) as session:
        partners = session.exec(select(Partner).order_by(col(Partner.id)).limit(WELCOMED_PARTNERS))
        for partner in partners:
            queued += queue_welcome(
                session, renderer=renderer, partner=partner, deal_policy=policy, today=today
            )
    return queued


def _show_outbox() -> None:
    """Counts per template and delivery status: what the partners and reviewers received."""
    table = Table(title="Outbox")
    for column in ("template", "status", "messages"):
        table.add_column(column)
    with Session(get_engine()) as session:
        rows = session.exec(
            select(Notification.template, Notification.status, func.count())
            .group_by(col(Notification.template), col(Notification.status))
            .order_by(col(Notification.template))
        ).all()
    for template, status, count in rows:
        table.add_row(template, str(status), str(count))
    console.print(table)
