"""What ``people`` and ``partners`` share: a loaded file's report, and an export written back in
the import's columns."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import typer

from partnerflow.cli.output import console, errors, print_json
from partnerflow.report_files import rows_csv


class Loaded(Protocol):
    @property
    def added(self) -> Sequence[Any]: ...
    @property
    def updated(self) -> Sequence[Any]: ...
    @property
    def unchanged(self) -> int: ...
    @property
    def refused(self) -> Sequence[tuple[int, str]]: ...


def said_loaded(source: str, report: Loaded, *, as_json: bool, note: str = "") -> None:
    """Each refused row on its own line and exit 1 (nothing was stored), else the counts."""
    if as_json:
        print_json(report.__dict__)
    for number, reasons in report.refused:
        errors.print(f"{source}: row {number}: {reasons}", markup=False, highlight=False, soft_wrap=True)
    if report.refused:
        errors.print(f"nothing stored: {len(report.refused)} row(s) refused", markup=False)
        raise typer.Exit(1)
    if not as_json:
        counts = f"{len(report.added)} added, {len(report.updated)} updated, {report.unchanged} unchanged"
        console.print(counts + note, markup=False)


def write_export(file: Path | None, rows: list[dict[str, str]], columns: Sequence[str], noun: str) -> None:
    """The rows as CSV (formula-safe) to ``file``, or printed for a pipe."""
    text = rows_csv(rows) or ",".join(columns) + "\n"
    if file is None:
        print(text, end="")  # noqa: T201  # the CSV itself
        return
    file.write_text(text, encoding="utf-8")
    console.print(f"{file}: {len(rows)} {noun}")
