"""``partnerflow init``, ``seed`` and ``up``: a working installation from nothing."""

from __future__ import annotations

import os
import signal
from contextlib import ExitStack
from typing import Annotated

import typer

from partnerflow.cli.output import console, errors, friendly_errors, print_json
from partnerflow.cli.progress import step
from partnerflow.cli.supervision import Watched, sigterm_as_interrupt, wait_for_first_exit, watch_server
from partnerflow.clock import programme_date
from partnerflow.context import context
from partnerflow.db import get_engine, migrate, session_scope, shown_url
from partnerflow.notify import MailSink, port_is_free
from partnerflow.orchestration.local_server import (
    Stopping,
    local_prefect_server,
    stop_process_groups,
    wait_until_healthy,
)
from partnerflow.orchestration.prefect_api import protect_local_api, use_local_server_by_default
from partnerflow.orchestration.serving import serve_all, start_serving_process, start_web_process
from partnerflow.sample_data.network import seed_demo_leads, seed_demo_network
from partnerflow.settings import get_settings


@friendly_errors
def init() -> None:
    """Create or upgrade the database schema (Alembic migrations)."""
    settings = get_settings()
    migrate(settings.database_url)
    console.print(f"database ready: {shown_url(settings.database_url)}")


@friendly_errors
def seed(
    demo: Annotated[bool, typer.Option("--demo", help="Seed the fictional demo network.")] = False,
    scale: Annotated[int, typer.Option(min=1, max=50, help="Size multiplier of the network.")] = 1,
    leads_per_reseller: Annotated[
        int, typer.Option(min=0, help="Yearly leads per reseller, seeded for this year so far.")
    ] = 24,
    random_seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 2026,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Fill an empty database with a deterministic fictional partner network."""
    if not demo:
        console.print("Only the demo network can be seeded: pass --demo.")
        raise typer.Exit(2)
    now = context().clock.now()
    today = programme_date(now)
    with session_scope(get_engine()) as session:
        report = seed_demo_network(session, now=now, scale=scale, seed=random_seed)
        leads = seed_demo_leads(session, today=today, leads_per_reseller=leads_per_reseller, seed=random_seed)
    if as_json:
        print_json({**report.__dict__, "leads": leads.leads, "lead_events": leads.events})
    elif report.already_seeded:
        console.print(f"already seeded: {report.partners} partners, nothing added")
    else:
        console.print(
            f"seeded {report.territories} départements, {report.partners} partners, {report.people} people"
        )
    if leads.leads and not as_json:
        console.print(f"seeded {leads.leads} leads and {leads.events} lead events for {today.year} so far")


@friendly_errors
def up(
    port: Annotated[int, typer.Option(help="Prefect server port.")] = 4200,
    smtp_port: Annotated[int | None, typer.Option(help="SMTP sink port (default: settings).")] = None,
    host: Annotated[
        str, typer.Option(help="Where the Prefect server and the approval page listen (default loopback).")
    ] = "127.0.0.1",
) -> None:
    """Run everything locally: Prefect server (SQLite), approval page, SMTP sink, all deployments.

    If the Prefect server, the deployment runner or the approval page stops, ``up`` says so and
    stops the rest. Ctrl-C stops everything. The Prefect API always requires an auth string:
    ``PREFECT_SERVER_API_AUTH_STRING``, else one ``up`` makes once under the Prefect home (every
    partnerflow process of this install then sends it; the UI asks for it).
    """
    settings = get_settings()
    migrate(settings.database_url)
    sink_port = smtp_port or settings.smtp_port
    os.environ["PARTNERFLOW_SMTP_PORT"] = str(sink_port)
    for what, wanted in (("SMTP", sink_port), ("approval page", settings.web_port)):
        if not port_is_free(wanted):
            errors.print(
                f"{what} port {wanted} is in use (another `partnerflow up`?); stop it or change "
                + ("--smtp-port" if what == "SMTP" else "PARTNERFLOW_WEB_PORT")
            )
            raise typer.Exit(1)
    made = protect_local_api(settings.prefect_home)
    with ExitStack() as running:
        running.enter_context(sigterm_as_interrupt())
        with step("starting the Prefect server"):
            server = running.enter_context(local_prefect_server(settings.prefect_home, host=host, port=port))
        running.enter_context(MailSink(settings.mail_dir, port=sink_port))
        console.print(f"Prefect UI: [bold]http://{host}:{port}[/bold]  (API {server.api_url})")
        if made is not None:
            console.print(f"  it asks for the auth string: partnerflow:<the secret in {made}>")
        console.print(f"Approval page: {settings.web_url} (listening on {host}:{settings.web_port})")
        console.print(f"SMTP sink: 127.0.0.1:{sink_port} -> {settings.mail_dir}")
        console.print("Serving the deployments of prefect.yaml; Ctrl-C to stop.")
        runner = start_serving_process(server.api_url)
        web = start_web_process(server.api_url, host, settings.web_port)
        try:
            stopped = wait_for_first_exit(
                [
                    watch_server(server),
                    Watched("the deployment runner", runner.poll),
                    Watched("the approval page", web.poll),
                ]
            )
        finally:
            stop_process_groups(  # together: Ctrl-C takes as long as the slowest, not the sum
                [
                    Stopping(web, grace_seconds=10),
                    Stopping(runner, grace_seconds=30, first_signal=signal.SIGINT, leader_only=True),
                ]
            )
    if stopped is not None:
        part, code = stopped
        errors.print(f"{part.name} stopped (exit code {code}, log {server.log_path}); so did partnerflow up")
        raise typer.Exit(1)
    console.print("stopped")


@friendly_errors
def web(
    host: Annotated[str, typer.Option(help="Address to listen on (default: settings).")] = "",
    port: Annotated[int, typer.Option(help="Port (default: settings).")] = 0,
) -> None:
    """Serve the approval page (``partnerflow up`` runs it; run it alone on another host)."""
    from partnerflow.web import create_app  # FastAPI and uvicorn: only this command needs them
    from partnerflow.web.server import web_server

    settings = get_settings()
    use_local_server_by_default()
    web_server(create_app(context()), host or settings.web_host, port or settings.web_port).run()


@friendly_errors
def serve(
    api_url: Annotated[
        str | None, typer.Option(help="Prefect API (default: PREFECT_API_URL, else the local server).")
    ] = None,
) -> None:
    """Serve every deployment of prefect.yaml against a running Prefect server until Ctrl-C.

    ``partnerflow up`` runs this next to its server; run it alone to serve from this machine
    against a server started elsewhere (workers are the other way: README "Scale out").
    """
    url = api_url or os.environ.get("PREFECT_API_URL") or f"{get_settings().prefect_ui_url}/api"
    try:
        wait_until_healthy(url)
    except TimeoutError as error:
        errors.print(f"{error}; start it (partnerflow up, or README Scale out) or pass --api-url")
        raise typer.Exit(1) from None
    serve_all(url)
