"""The rebalancing report as files: a CSV of every reseller and a readable HTML page."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from defusedcsv import csv  # cells starting with = + - @ are neutralised (OWASP CSV injection)
from jinja2 import Environment, PackageLoader, StrictUndefined

from partnerflow.rebalancing.proposals import RebalancingPlan

_PAGES = Environment(
    loader=PackageLoader("partnerflow.rebalancing", "templates"),
    autoescape=True,  # names are partner-typed text
    undefined=StrictUndefined,
)


def report_csv(plan: RebalancingPlan) -> str:
    rows = [proposal.as_row() for proposal in plan.resellers]
    buffer = io.StringIO()
    if rows:
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return buffer.getvalue()


def report_html(plan: RebalancingPlan, thresholds: dict[str, Any], policy_version: str) -> str:
    return _PAGES.get_template("report.html.j2").render(
        plan=plan.as_dict(), thresholds=thresholds, policy_version=policy_version
    )


def write_report(
    directory: Path, plan: RebalancingPlan, thresholds: dict[str, Any], policy_version: str
) -> Path:
    """``rebalancing-<year>.csv`` and ``.html`` under ``directory``; returns the HTML path."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"rebalancing-{plan.year}.csv").write_text(report_csv(plan), encoding="utf-8")
    page = directory / f"rebalancing-{plan.year}.html"
    page.write_text(report_html(plan, thresholds, policy_version), encoding="utf-8")
    return page
