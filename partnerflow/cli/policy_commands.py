"""``partnerflow policy``: list, validate, diff and export the schema of the YAML policies."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from sqlmodel import Session, col, select

from partnerflow.cli.output import console, errors, friendly_errors, print_json
from partnerflow.cli.typed_options import option_date
from partnerflow.commissions.replay import period_bounds, replay_plan
from partnerflow.context import context
from partnerflow.db import get_engine
from partnerflow.models import Partner, Registration
from partnerflow.policy import (
    POLICY_KINDS,
    CommissionPlanPolicy,
    Policy,
    PolicyLibrary,
    StoredDecision,
    diff_policies,
    load_file,
    validate_paths,
)
from partnerflow.policy import replay as replay_policy
from partnerflow.settings import get_settings

app = typer.Typer(help="Check, compare and list the versioned policies.", no_args_is_help=True)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]


@app.command("list")
@friendly_errors
def list_policies(
    as_of: Annotated[str | None, typer.Option(help="Date to evaluate 'in force' (YYYY-MM-DD).")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Every kind and version, its effective date, and which one is in force."""
    day = option_date(as_of, "--as-of") if as_of else context().clock.today()
    library = PolicyLibrary.load(get_settings().policies_dir)
    rows = []
    for kind in sorted(POLICY_KINDS):
        in_force = _in_force_version(library, kind, day)
        for policy in library.versions(kind):
            rows.append(
                {
                    "kind": kind,
                    "version": policy.version,
                    "effective_from": policy.document.effective_from.isoformat(),
                    "in_force": policy.version == in_force,
                    "rules": len(policy.document.rules),
                    "sha256": policy.stamp.sha256,
                    "path": str(policy.path),
                }
            )
    if as_json:
        print_json(rows)
        return
    table = Table(title=f"Policies (in force on {day})")
    for column in ("kind", "version", "effective from", "rules", "in force", "sha256"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            row["kind"],
            row["version"],
            row["effective_from"],
            str(row["rules"]),
            "[green]yes[/green]" if row["in_force"] else "",
            row["sha256"][:12],
        )
    console.print(table)


def _in_force_version(library: PolicyLibrary, kind: str, day: date) -> str | None:
    versions = [p for p in library.versions(kind) if p.document.effective_from <= day]
    return versions[-1].version if versions else None


@app.command()
@friendly_errors
def validate(
    paths: Annotated[list[Path] | None, typer.Argument(help="Files or folders (default: all).")] = None,
) -> None:
    """Check files against their schema and run their own tests; exit 1 on any problem.

    Each problem is one line: PATH:LINE: rule <id>: message.
    """
    policies, problems = validate_paths(paths or [get_settings().policies_dir])
    for problem in problems:
        errors.print(str(problem), markup=False, highlight=False, soft_wrap=True)
    tests = sum(len(policy.document.tests) for policy in policies)
    if problems:
        errors.print(f"[red]{len(problems)} problem(s)[/red] in {len(policies)} loadable file(s)")
        raise typer.Exit(1)
    console.print(f"[green]ok[/green]: {len(policies)} policy file(s), {tests} test case(s) passed")


@app.command()
@friendly_errors
def diff(old: Path, new: Path, as_json: JsonFlag = False) -> None:
    """What changed from OLD to NEW: settings, rules (by id, including order) and default."""
    changes = diff_policies(load_file(old), load_file(new))
    if as_json:
        print_json([change.__dict__ for change in changes])
        return
    if not changes:
        console.print("no differences in settings, rules or default")
    for change in changes:
        colour = {"added": "green", "removed": "red"}.get(change.change, "yellow")
        console.print(f"[{colour}]{change}[/{colour}]", highlight=False)


@app.command()
@friendly_errors
def schema(
    directory: Annotated[Path | None, typer.Option(help="Where to write (default: policies/schema).")] = None,
) -> None:
    """Export one JSON schema per kind, for editors (`# yaml-language-server: $schema=...`)."""
    target = directory or get_settings().policies_dir / "schema"
    target.mkdir(parents=True, exist_ok=True)
    for kind, document in json_schemas().items():
        (target / f"{kind}.json").write_text(document, encoding="utf-8")
        console.print(f"wrote {target / f'{kind}.json'}")


def json_schemas() -> dict[str, str]:
    """The JSON schema text of every kind, as written to ``policies/schema``."""
    documents: dict[str, str] = {}
    for kind, model in sorted(POLICY_KINDS.items()):
        schema: dict[str, Any] = model.model_json_schema(mode="validation")
        schema["$id"] = f"https://partnerflow.example/policies/schema/{kind}.json"
        documents[kind] = json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    return documents


@app.command()
@friendly_errors
def replay(
    kind: Annotated[str, typer.Argument(help="deal_registration or commission_plan.")],
    candidate: Annotated[Path, typer.Option(help="The candidate policy file.")],
    since: Annotated[
        str | None, typer.Option("--from", help="deal_registration: first submission date (YYYY-MM-DD).")
    ] = None,
    until: Annotated[
        str | None, typer.Option("--to", help="deal_registration: last submission date (YYYY-MM-DD).")
    ] = None,
    period: Annotated[
        str | None, typer.Option(help="commission_plan: the deals closed in YYYY-MM or YYYY.")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Re-decide past cases under CANDIDATE: registrations (counts and changes) or commissions
    (what each partner earned and would have earned)."""
    policy = load_file(candidate)
    if policy.kind != kind:
        raise typer.BadParameter(f"{candidate} is a {policy.kind} policy, not {kind}")
    if kind == "commission_plan":
        if period is None:
            raise typer.BadParameter("commission_plan replay needs --period YYYY-MM or YYYY")
        _replay_commissions(policy, period, as_json=as_json)
        return
    if kind != "deal_registration":
        raise typer.BadParameter(f"replay supports deal_registration and commission_plan, not {kind}")
    if since is None or until is None:
        raise typer.BadParameter("deal_registration replay needs --from and --to")
    report = replay_policy(
        policy, stored_registrations(option_date(since, "--from"), option_date(until, "--to"))
    )
    if as_json:
        print_json(
            {
                "before": dict(report.before),
                "after": dict(report.after),
                "errors": report.errors,
                "changed": [change.__dict__ for change in report.changed],
            }
        )
        return
    table = Table(title=f"Replay of {sum(report.before.values())} decision(s) under {candidate.name}")
    for column in ("outcome", "before", "after"):
        table.add_column(column)
    for outcome in sorted(set(report.before) | set(report.after)):
        table.add_row(outcome, str(report.before[outcome]), str(report.after[outcome]))
    console.print(table)
    for party, changes in sorted(report.changed_by_party().items()):
        console.print(f"[bold]{party}[/bold]")
        for change in changes:
            console.print(
                f"  #{change.subject_id}: {change.before} ({change.before_rule}) -> "
                f"{change.after} ({change.after_rule})",
                highlight=False,
            )
    for error in report.errors:
        errors.print(error, soft_wrap=True)


def _replay_commissions(policy: Policy[CommissionPlanPolicy], period: str, *, as_json: bool) -> None:
    try:
        start, end = period_bounds(period)
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None
    with Session(get_engine()) as session:
        report = replay_plan(session, policy, start=start, end=end)
    if as_json:
        print_json(
            {
                "from": start,
                "to": end,
                "earned": report.earned,
                "candidate": report.candidate,
                "reversed_left_out": report.reversed_left_out,
                "partners": [{**p.__dict__, "difference": p.difference} for p in report.partners],
            }
        )
        return
    table = Table(title=f"Commissions {period}: earned vs {policy.stamp.version} (candidate)")
    for column in ("partner", "deals", "excluded", "earned", "candidate", "difference"):
        table.add_column(column, justify="left" if column == "partner" else "right")
    for p in report.partners:
        table.add_row(
            p.partner_name,
            str(p.deals),
            str(p.excluded_by_candidate),
            str(p.earned),
            str(p.candidate),
            f"{p.difference:+}",
        )
    table.add_row(
        "total", "", "", str(report.earned), str(report.candidate), f"{report.candidate - report.earned:+}"
    )
    console.print(table)
    if report.reversed_left_out:
        console.print(
            f"{report.reversed_left_out} reversed deal(s) left out: they earn nothing under any plan"
        )


def stored_registrations(since: date, until: date) -> list[StoredDecision]:
    """Every evaluated registration submitted in [since, until], with its facts snapshot."""
    start = datetime.combine(since, time.min, tzinfo=UTC)
    end = datetime.combine(until + timedelta(days=1), time.min, tzinfo=UTC)
    with Session(get_engine()) as session:
        rows = session.exec(
            select(Registration, Partner.name)
            .join(Partner, col(Partner.id) == col(Registration.partner_id))
            .where(Registration.submitted_at >= start, Registration.submitted_at < end)
            .where(col(Registration.rule_id).is_not(None))
            .order_by(col(Registration.id))
        ).all()
    return [
        StoredDecision(
            row.id or 0, f"{name} (#{row.partner_id})", row.facts, row.outcome or "", row.rule_id or ""
        )
        for row, name in rows
    ]
