"""``partnerflow policy``: list, validate, diff and export the schema of the YAML policies."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from partnerflow.cli.output import console, errors, friendly_errors, print_json
from partnerflow.policy import POLICY_KINDS, PolicyLibrary, diff_policies, load_file, validate_paths
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
    day = date.fromisoformat(as_of) if as_of else date.today()
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
