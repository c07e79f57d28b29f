"""``partnerflow health``: partner attrition, measured (per quarter and year, tier, région)."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.table import Table
from sqlmodel import Session

from partnerflow.cli.output import console, friendly_errors, print_json
from partnerflow.context import context
from partnerflow.db import get_engine
from partnerflow.health import attrition_trend

app = typer.Typer(help="Partner health: attrition and its causes.", no_args_is_help=True)


class Split(StrEnum):
    TIER = "tier"
    REGION = "region"


@app.command()
@friendly_errors
def attrition(
    year: Annotated[
        int | None, typer.Option(min=2000, max=2100, help="The year (default: this year).")
    ] = None,
    by: Annotated[Split | None, typer.Option(help="Split by partner tier or région.")] = None,
    inactive_days: Annotated[
        int, typer.Option(min=1, max=3660, help="Days without activity after which a partner has left.")
    ] = 180,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Partners active at the start of each quarter (and of the year) and how many left: paused,
    removed, or gone quiet (no registration, lead worked or commission for --inactive-days)."""
    chosen = year or context().clock.today().year
    with Session(get_engine()) as session:
        periods = attrition_trend(
            session, chosen, inactive_after=timedelta(days=inactive_days), by=by.value if by else None
        )
    rows: list[dict[str, Any]] = [
        {
            "period": period.label,
            "group": row.group,
            "active_at_start": row.active_at_start,
            "paused": row.paused,
            "removed": row.removed,
            "inactive": row.inactive,
            "left": row.left,
            "rate": round(row.rate, 4),
        }
        for period in periods
        for row in period.rows
    ]
    if as_json:
        print_json(rows)
        return
    table = Table(title=f"Attrition {chosen} (quiet after {inactive_days} days)")
    for column in ("period", "group", "active at start", "paused", "removed", "quiet", "left", "rate"):
        table.add_column(column, justify="left" if column in ("period", "group") else "right")
    for row in rows:
        table.add_row(
            row["period"],
            row["group"],
            *(str(row[key]) for key in ("active_at_start", "paused", "removed", "inactive", "left")),
            f"{row['rate']:.1%}",
        )
    console.print(table)
