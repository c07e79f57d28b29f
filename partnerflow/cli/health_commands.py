"""``partnerflow health``: each partner's health with its drivers, and attrition (per quarter and
year, tier, région)."""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.table import Table
from sqlmodel import Session

from partnerflow.cli.output import console, errors, friendly_errors, print_json
from partnerflow.cli.progress import step
from partnerflow.context import context
from partnerflow.db import get_engine
from partnerflow.health import PartnerHealth, assess_partners, attrition_trend, levels_count
from partnerflow.health.exit_survey import exits_by_cause
from partnerflow.locales import RECORD_LOCALE

app = typer.Typer(help="Partner health: levels and drivers, attrition and its causes.")


class Level(StrEnum):
    AT_RISK = "at-risk"
    WATCH = "watch"
    HEALTHY = "healthy"


LEVEL_STYLE = {"at-risk": "red", "watch": "yellow", "healthy": "green"}


@app.callback(invoke_without_command=True)
@friendly_errors
def health(
    command: typer.Context,
    partner: Annotated[int | None, typer.Option(min=1, help="Explain one partner's health.")] = None,
    level: Annotated[Level | None, typer.Option(help="Only partners at this level.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Every active partner's health (worst first): level, drivers and what they point to, from
    the partner_health policy in force; --partner ID explains one."""
    if command.invoked_subcommand is not None:
        return
    ctx = context()
    policy = ctx.policy("partner_health", ctx.clock.today())
    with step("assessing the partners"), Session(get_engine()) as session:
        assessed = assess_partners(session, policy, ctx.clock.now(), partner)
    if partner is not None and not assessed:
        errors.print(f"no active partner {partner}")
        raise typer.Exit(1)
    shown = [health for health in assessed if level is None or health.level == level.value]
    if as_json:
        print_json([_as_row(health) for health in shown])
    elif partner is not None:
        _explain(assessed[0])
    else:
        _table(shown, levels_count(assessed), policy.version)


def _as_row(health: PartnerHealth) -> dict[str, Any]:
    return {
        "partner_id": health.partner_id,
        "name": health.name,
        "departement": health.territory_code,
        "level": health.level,
        "rule": health.rule_id,
        "reason": health.reason_in(RECORD_LOCALE),
        "drivers": [
            {
                "id": driver.id,
                "cause": driver.cause,
                "weight": driver.weight,
                "action": driver.action,
                "reason": driver.reason_in(RECORD_LOCALE),
            }
            for driver in health.drivers
        ],
        "facts": health.facts,
        "policy_version": health.stamp.version,
    }


def _table(assessed: list[PartnerHealth], counts: dict[str, int], version: str) -> None:
    table = Table(
        title=f"Partner health (partner_health {version}): "
        + ", ".join(f"{count} {level}" for level, count in counts.items())
    )
    for column in ("id", "partner", "dép.", "level", "drivers"):
        table.add_column(column)
    for health in assessed:
        style = LEVEL_STYLE[health.level]
        drivers = ", ".join(f"{driver.id} ({driver.cause})" for driver in health.drivers)
        table.add_row(
            str(health.partner_id), health.name, health.territory_code, f"[{style}]{health.level}[/]", drivers
        )
    console.print(table)


def _explain(health: PartnerHealth) -> None:
    style = LEVEL_STYLE[health.level]
    console.print(
        f"{health.name} (partner {health.partner_id}, département {health.territory_code}): "
        f"[{style}]{health.level}[/] by {health.rule_id} — {health.reason_in(RECORD_LOCALE)}",
        highlight=False,
    )
    for driver in health.drivers:
        console.print(
            f"  • {driver.id} [{driver.cause}, weight {driver.weight}]: {driver.reason_in(RECORD_LOCALE)}"
            f" → suggested: {driver.action}",
            highlight=False,
            markup=False,
        )
    if not health.drivers:
        console.print("  no driver found", highlight=False)


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
        int | None,
        typer.Option(
            min=1,
            max=3660,
            help="Days without activity after which a partner has left (default: the policy's).",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Partners active at the start of each quarter (and of the year) and how many left: paused,
    removed, or gone quiet (no registration, lead worked or commission for --inactive-days)."""
    ctx = context()
    chosen = year or ctx.clock.today().year
    if inactive_days is None:
        inactive_days = ctx.policy("partner_health", ctx.clock.today()).document.windows.inactive_days
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


@app.command()
@friendly_errors
def exits(
    year: Annotated[
        int | None, typer.Option(min=2000, max=2100, help="The year (default: this year).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Partners paused or removed during the year, by cause: recorded by a channel manager, or
    given by the partner on the exit survey (unknown otherwise)."""
    chosen = year or context().clock.today().year
    with Session(get_engine()) as session:
        counted = exits_by_cause(session, date(chosen, 1, 1), date(chosen + 1, 1, 1))
    if as_json:
        print_json(counted)
        return
    table = Table(title=f"Exits {chosen} by cause")
    table.add_column("cause")
    table.add_column("partners", justify="right")
    for cause, count in counted.items():
        table.add_row(cause, str(count))
    console.print(table)
