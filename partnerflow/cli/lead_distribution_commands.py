"""``partnerflow leads submit|distribute|show|simulate``: leads in, offered to resellers, why,
and what another routing policy would have done."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from sqlmodel import Session, col, select

from partnerflow.cli.input_files import read_rows
from partnerflow.cli.output import console, errors, friendly_errors, print_json
from partnerflow.context import context
from partnerflow.db import get_engine, session_scope
from partnerflow.leads.intake import take_in_leads
from partnerflow.leads.offers import route_and_offer, sweep_and_tell
from partnerflow.leads.simulation import load_year
from partnerflow.leads.simulation import simulate as simulate_year
from partnerflow.leads.simulation import write_report as write_simulation
from partnerflow.models import Lead, LeadTurn
from partnerflow.policy import load_file

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
SHOWN_REFUSALS = 50


@friendly_errors
def submit(
    file: Path,
    as_json: JsonFlag = False,
    route: Annotated[bool, typer.Option(help="Offer the new leads to resellers at once.")] = True,
) -> None:
    """Take in leads from FILE (JSON list or CSV); each refused row says why, nothing else of
    it is stored; a lead whose external_id was taken before is not taken twice."""
    ctx = context()
    rows = read_rows(file)
    with session_scope() as session:
        results = take_in_leads(session, rows, now=ctx.clock.now(), actor="system:cli")
    counts = {
        outcome: sum(r.outcome == outcome for r in results) for outcome in ("taken", "known", "refused")
    }
    routed = _distribute() if route and counts["taken"] else None
    if as_json:
        print_json(
            {
                **counts,
                "rows": [{"row": n, **r.as_dict()} for n, r in enumerate(results, start=1)],
                "routing": routed,
            }
        )
    else:
        console.print(
            f"{len(rows)} row(s): {counts['taken']} taken in, {counts['known']} already known, "
            f"{counts['refused']} refused"
            + (
                f"; {routed['offered']} offered to resellers, {routed['to_manager']} to channel managers"
                if routed
                else ""
            )
        )
        refused = [(n, r) for n, r in enumerate(results, start=1) if r.outcome == "refused"]
        for number, result in refused[:SHOWN_REFUSALS]:
            errors.print(f"{file}: row {number}: {'; '.join(result.problems)}", markup=False, soft_wrap=True)
        if len(refused) > SHOWN_REFUSALS:
            errors.print(f"... and {len(refused) - SHOWN_REFUSALS} more (use --json for all)", markup=False)
    if counts["refused"]:
        raise typer.Exit(1)


@friendly_errors
def distribute(as_json: JsonFlag = False) -> None:
    """Do now what the distribute-leads deployment does every 10 minutes: remind, pass on
    the offers past their deadline, and offer every waiting lead."""
    done = _distribute()
    if as_json:
        print_json(done)
        return
    console.print(", ".join(f"{count} {name.replace('_', ' ')}" for name, count in done.items()))


def _distribute() -> dict[str, int]:
    ctx = context()
    now = ctx.clock.now()
    policy = ctx.policy("lead_routing", ctx.clock.today())
    with session_scope() as session:
        sweep = sweep_and_tell(session, ctx.renderer, policy.document, now)
    with session_scope() as session:
        report = route_and_offer(session, ctx.renderer, policy, now)
    return {**sweep.as_dict(), **report.as_dict()}


RANKED = {
    "reseller_id": "reseller",
    "departement": "dépt",
    "received_this_year": "received this year",
    "pro_rata_floor": "pro-rata floor",
    "behind": "behind",
    "kpi_score": "KPI score",
    "tier": "tier",
    "load": "load",
    "capacity_left": "capacity left",
}


@friendly_errors
def show(lead_id: str, as_json: JsonFlag = False) -> None:
    """A lead's turns: who had it, when, what became of it, and why each reseller was chosen
    (the policy's rule and version, and the ranking it came from)."""
    with Session(get_engine()) as session:
        lead = session.get(Lead, lead_id)
        lead = lead or session.exec(select(Lead).where(Lead.external_id == lead_id)).first()
        if lead is None:
            raise typer.BadParameter(f"no lead {lead_id!r} (its id or external_id)", param_hint="LEAD_ID")
        turns = session.exec(select(LeadTurn).where(LeadTurn.lead_id == lead.id).order_by(col(LeadTurn.id)))
        rows = [turn.model_dump(mode="json", exclude={"id", "lead_id", "reason", "amount"}) for turn in turns]
    if as_json:
        print_json(
            {"lead": lead.id, "external_id": lead.external_id, "state": lead.state.value, "turns": rows}
        )
        return
    console.print(
        f"lead {lead.id} ({lead.external_id or 'imported'}): {lead.state.value}, passed on {lead.passes}"
    )
    for row in rows:
        table = Table(
            title=f"reseller {row['reseller_id']}: {row['state']}, rule {row['rule_id'] or '-'} "
            f"of lead_routing {row['policy_version'] or '-'}"
        )
        for heading in RANKED.values():
            table.add_column(heading)
        for line in row["ranking"]:
            table.add_row(*(str(line[key]) for key in RANKED))
        console.print(table)


@friendly_errors
def simulate(
    policy: Annotated[Path, typer.Option(help="The candidate lead_routing policy file.")],
    year: Annotated[int, typer.Option(min=2000, max=2100, help="The year whose leads to replay.")],
    as_json: JsonFlag = False,
) -> None:
    """Replay YEAR's leads under the candidate POLICY beside the policy in force today: leads per
    reseller, how many stay under the floor, the spread, passes-on, per département; and an HTML
    report with the chart. Nothing is written to the database."""
    ctx = context()
    candidate = load_file(policy)
    if candidate.kind != "lead_routing":
        raise typer.BadParameter(f"{policy} is a {candidate.kind} policy", param_hint="--policy")
    in_force = ctx.policy("lead_routing", ctx.clock.today())
    with Session(get_engine()) as session:
        replayed = load_year(session, year)
    if not replayed.leads:
        raise typer.BadParameter(f"no lead was received in {year}: nothing to replay", param_hint="--year")
    runs = [simulate_year(in_force, replayed), simulate_year(candidate, replayed)]
    floor = candidate.document.yearly_floor
    report = write_simulation(ctx.settings.reports_dir, year, floor, runs)
    rows = [run.as_dict(floor) for run in runs]
    if as_json:
        print_json({"year": year, "leads": len(replayed.leads), "report": str(report), "runs": rows})
        return
    table = Table(
        title=f"{len(replayed.leads):,} leads of {year}, {len(replayed.resellers):,} active resellers"
    )
    table.add_column("")
    for run in runs:
        table.add_column(f"lead_routing {run.policy}")
    for label, read in (
        ("offered", lambda r: r["offered"]),
        ("to a channel manager", lambda r: r["to_manager"]),
        ("passes-on (estimated)", lambda r: r["passes_on"]),
        (f"resellers under {floor}", lambda r: f"{r['below_floor']} of {r['resellers']}"),
        ("min / median / max", lambda r: "{min} / {median} / {max}".format(**r["spread"])),
        ("Gini", lambda r: r["spread"]["gini"]),
    ):
        table.add_row(label, *(str(read(row)) for row in rows))
    console.print(table)
    console.print(f"report: {report}")
