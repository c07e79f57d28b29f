"""``partnerflow mail``: run the local sink, send the outbox, look at what is queued."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from sqlmodel import Session, col, select

from partnerflow.approvals import links_for, unsealer
from partnerflow.cli.output import console, friendly_errors, print_json
from partnerflow.db import get_engine
from partnerflow.models import DeliveryStatus, Notification
from partnerflow.notify import MailSink, deliver_pending
from partnerflow.settings import get_settings

app = typer.Typer(help="The notification outbox and the local mail sink.", no_args_is_help=True)


@app.command()
def sink(
    directory: Annotated[Path | None, typer.Option("--dir", help="Where .eml files go.")] = None,
    port: Annotated[int, typer.Option(help="Port to listen on (127.0.0.1).")] = 1025,
) -> None:
    """Run a local SMTP server that stores every message as an .eml file (Ctrl-C to stop)."""
    target = directory or get_settings().mail_dir
    with MailSink(target, port=port):
        console.print(f"SMTP sink on 127.0.0.1:{port}, writing to {target} (Ctrl-C to stop)")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            console.print("sink stopped")


@app.command("send-pending")
@friendly_errors
def send_pending(
    limit: Annotated[int | None, typer.Option(help="Send at most this many.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Deliver the due notifications now (the deliver-notifications deployment does it on schedule)."""
    settings = get_settings()
    report = asyncio.run(
        deliver_pending(
            get_engine(settings.database_url), settings, unseal=unsealer(links_for(settings)), limit=limit
        )
    )
    summary = {
        "sent": report.sent,
        "retry_later": report.retry_later,
        "failed": report.failed,
        "errors": report.errors[:20],
    }
    if as_json:
        print_json(summary)
        return
    console.print(f"sent {report.sent}, retry later {report.retry_later}, failed {report.failed}")
    for error in report.errors[:20]:
        console.print(f"  [red]{error}[/red]", highlight=False)


@app.command("list")
@friendly_errors
def list_notifications(
    status: Annotated[DeliveryStatus | None, typer.Option(help="Only this status.")] = None,
    limit: Annotated[int, typer.Option(help="Newest N.")] = 50,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """The newest notifications with their delivery state."""
    with Session(get_engine()) as session:
        query = select(Notification).order_by(col(Notification.id).desc()).limit(limit)
        if status:
            query = query.where(Notification.status == status)
        rows = list(session.exec(query))
    if as_json:
        print_json([row.model_dump(exclude={"text_body", "html_body"}) for row in rows])
        return
    table = Table(title="Outbox")
    for column in ("id", "status", "attempts", "recipient", "template", "subject", "last error"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            str(row.id),
            row.status,
            str(row.attempts),
            row.recipient,
            row.template,
            row.subject,
            (row.last_error or "")[:60],
        )
    console.print(table)
