"""``partnerflow automations``: the watchdogs that turn silently dead runs into Crashed ones, and
deployments that refuse parameters they do not have."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import typer

from partnerflow.cli.output import console, friendly_errors
from partnerflow.orchestration.prefect_api import use_local_server_by_default
from partnerflow.orchestration.strict_parameters import refuse_unknown_parameters
from partnerflow.orchestration.watchdogs import apply_watchdogs
from partnerflow.settings import get_settings

app = typer.Typer(help="Prefect automations partnerflow relies on.", no_args_is_help=True)


@app.command()
@friendly_errors
def apply() -> None:
    """Create or update the watchdogs on the Prefect server (PREFECT_API_URL) and make every
    partnerflow deployment refuse unknown parameters: once per release, after
    ``prefect deploy --all``; ``partnerflow up`` does it by itself. Safe to run again."""
    use_local_server_by_default()
    start_timeout = timedelta(seconds=get_settings().run_start_timeout)
    for watchdog in asyncio.run(apply_watchdogs(start_timeout)):
        console.print(f"{watchdog.name}: {'created' if watchdog.created else 'updated'}")
    tightened = asyncio.run(refuse_unknown_parameters())
    console.print(f"deployments refusing unknown parameters: {len(tightened)} changed", highlight=False)
