"""``partnerflow survey``: the anonymous partner survey's results once its round has closed, by
group big enough to read; closing a round early."""

from __future__ import annotations

from dataclasses import asdict
from enum import StrEnum
from typing import Annotated

import typer
from rich.table import Table
from sqlmodel import Session

from partnerflow.cli.output import console, errors, friendly_errors, print_json
from partnerflow.context import context
from partnerflow.db import get_engine, session_scope
from partnerflow.health.survey import CAUSE_QUESTIONS, close_round, latest_round, results

app = typer.Typer(help="The anonymous partner survey.", no_args_is_help=True)
SHOWN_COMMENTS = 10
COLUMNS = {  # short headers: the table fits 80 columns
    "complexity": "simple",
    "inconsistency": "steady",
    "training": "trained",
    "business-change": "fits",
    "communication": "heard",
    "return-on-investment": "pays",
}


class By(StrEnum):
    TIER = "tier"
    REGION = "region"


@app.command("results")
@friendly_errors
def show_results(
    round_label: Annotated[
        str | None, typer.Option("--round", help="The round, e.g. 2026-Q4 (default: the latest).")
    ] = None,
    by: Annotated[By | None, typer.Option(help="Split by partner tier or région.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Average agreement per cause of attrition (1-5: simple, steady, trained, fits the
    partner's business, heard, pays), recommendation (0-10: rec) and net promoter score; a group
    with fewer answers than the round's minimum shows only its count (and hides the smallest
    others with it); an open round shows only how many answered."""
    now = context().clock.now()
    with Session(get_engine()) as session:
        label = round_label or latest_round(session)
        found = results(session, label, by.value if by else None, now=now) if label else None
    if found is None:
        errors.print(
            f"no survey round {label}" if label else "no survey round yet (partner-survey opens them)"
        )
        raise typer.Exit(1)
    if found.open_until is not None and not as_json:
        console.print(
            f"Survey {found.label} is open until {found.open_until:%Y-%m-%d %H:%M} UTC: {found.answered} "
            f"answers of {found.invited} invited so far; results once it closes (reading them while "
            "partners answer would tell one partner's answer from the next)",
            highlight=False,
        )
        return
    if as_json:
        print_json(asdict(found))
        return
    table = Table(
        title=f"Survey {found.label}: {found.answered} answers of {found.invited} invited "
        f"(groups under {found.min_group} answers are not shown)"
    )
    for column in ("group", "n", *(COLUMNS[cause] for cause in CAUSE_QUESTIONS), "rec", "NPS"):
        table.add_column(column, justify="left" if column == "group" else "right")
    for group in found.groups:
        if not group.shown:
            table.add_row(group.group, str(group.answers), *["—"] * (len(CAUSE_QUESTIONS) + 2))
            continue
        table.add_row(
            group.group,
            str(group.answers),
            *(f"{group.averages[cause]:.1f}" for cause in CAUSE_QUESTIONS),
            f"{group.recommendation:.1f}",
            f"{group.net_promoter:+.0f}",
        )
    console.print(table)
    for comment in found.comments[:SHOWN_COMMENTS]:
        console.print(f"  « {comment} »", markup=False, highlight=False)
    if len(found.comments) > SHOWN_COMMENTS:
        console.print(f"  (+{len(found.comments) - SHOWN_COMMENTS} more comments: --json shows them all)")


@app.command("close")
@friendly_errors
def close(
    round_label: Annotated[str, typer.Option("--round", help="The round to end now, e.g. 2026-Q4.")],
) -> None:
    """End a round before its date: its links stop answering and its results can be read (audited)."""
    ctx = context()
    with session_scope() as session:
        closed = close_round(session, round_label, actor="operator:cli", now=ctx.clock.now())
        found = closed is not None
    if not found:
        errors.print(f"no survey round {round_label}", markup=False)
        raise typer.Exit(1)
    console.print(
        f"survey {round_label} is closed: `partnerflow survey results --round {round_label}`", markup=False
    )
