"""``partnerflow vendor-keys``: keys of the vendor's own systems (its CRM keeps every partner's
registrations in step through ``/api/v1/vendor``). Made and revoked by a proven person of the
team (``--operator-link``), printed once, stored as a keyed digest, like partners' keys."""

from __future__ import annotations

from typing import Annotated

import typer

from partnerflow.cli.api_key_commands import make_key, show_keys
from partnerflow.cli.approval_commands import OperatorLink
from partnerflow.cli.output import friendly_errors
from partnerflow.partner_access import VENDOR_SCOPES

app = typer.Typer(help="Keys of the vendor's own systems: create (shown once), list.", no_args_is_help=True)


@app.command()
@friendly_errors
def create(
    name: Annotated[str, typer.Option(help="What the key is for, e.g. 'CRM sync'.")],
    scope: Annotated[list[str], typer.Option(help=f"Repeatable: {', '.join(VENDOR_SCOPES)}.")],
    operator_link: OperatorLink = "",
) -> None:
    """Make a key for one of the vendor's systems and print it once."""
    make_key(None, name, scope, operator_link, "vendor-keys create")


@app.command("list")
@friendly_errors
def list_keys(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """The vendor's keys (never the key); revoke one with ``partners api-key revoke PREFIX``."""
    show_keys(None, "key(s) of the vendor's systems", as_json=as_json)
