"""The rebalancing report as files: a CSV of every reseller and a readable HTML page with
charts (each KPI's distribution against its target, coverage per département before and after
the proposed pauses) and, once a manager decided, the decision beside each proposal.

The page is written when the proposals are made, then again from what was stored (the year's
proposals and coverage, as the manager saw them) once the decision is applied: the resellers
paused by then are no longer active, so the year cannot be planned again to write it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pygal
from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup
from pygal.style import Style
from sqlmodel import Session

from partnerflow.charts import chart_options, inline_svg
from partnerflow.models import Rebalancing, RebalancingStatus
from partnerflow.rebalancing.decisions import proposals_of
from partnerflow.rebalancing.proposals import RebalancingPlan
from partnerflow.report_files import rows_csv

_PAGES = Environment(
    loader=PackageLoader("partnerflow.rebalancing", "templates"),
    autoescape=True,  # names are partner-typed text
    undefined=StrictUndefined,
)
BUCKETS = 10  # KPI histograms: 0–10 %, 10–20 %... 90–100 %
TARGET_COLOURS = Style(colors=("#2e8b57", "#c0392b"))  # meets the target green, misses it red


def decisions_for(rebalancing: Rebalancing, rows: list[dict[str, Any]]) -> dict[int, str]:
    """What became of each reseller's proposal, in words: paused, kept by the manager, kept
    because the proposals were rejected, waiting; paused by the manager to thin out its
    département; the other resellers not proposed for a pause: no change."""
    status = rebalancing.status
    decided = {}
    for row in rows:
        partner_id = int(row["partner_id"])
        if row["outcome"] != "pause" and partner_id in rebalancing.thinned_out:
            applied = status is RebalancingStatus.APPLIED
            decided[partner_id] = "paused by the manager to thin out" if applied else "to pause: thin out"
        elif row["outcome"] != "pause":
            decided[partner_id] = "no change"
        elif status is RebalancingStatus.AWAITING_APPROVAL:
            decided[partner_id] = "awaiting decision"
        elif status is RebalancingStatus.REJECTED:
            decided[partner_id] = "kept: proposals rejected"
        elif partner_id in rebalancing.excluded:
            decided[partner_id] = "kept by the manager"
        else:
            decided[partner_id] = "paused" if status is RebalancingStatus.APPLIED else "to pause"
    return decided


def kpi_chart(rows: list[dict[str, Any]], key: str, title: str, low: float, high: float = 1.0) -> Markup:
    """Resellers per 10 % band of one rate, stacked by whether the band meets the target."""
    meets, misses = [0] * BUCKETS, [0] * BUCKETS
    for row in rows:
        rate = float(row[key])
        band = min(int(rate * BUCKETS), BUCKETS - 1)
        (meets if low <= rate <= high else misses)[band] += 1
    tallest = max([m + n for m, n in zip(meets, misses, strict=True)] + [1])
    chart = pygal.StackedBar(
        **chart_options(
            title,
            x_title="rate",
            y_title="resellers",
            style=TARGET_COLOURS,
            y_labels=list(range(0, tallest + 1, max(1, tallest // 5))),  # whole resellers
        )
    )
    chart.x_labels = [f"{n * 10}–{n * 10 + 10} %" for n in range(BUCKETS)]
    chart.add("meets the target", meets)
    chart.add("misses it", misses)
    return inline_svg(chart)


def coverage_chart(departements: list[dict[str, Any]]) -> Markup:
    """Active resellers per département now and after the proposed pauses."""
    chart = pygal.Bar(**chart_options("Resellers per département", x_label_rotation=45, y_title="resellers"))
    chart.x_labels = [f"{row['departement']} {row['name']}" for row in departements]
    chart.add("active now", [row["active"] for row in departements])
    chart.add("after the pauses", [row["active_after"] for row in departements])
    return inline_svg(chart)


def report_html(
    plan: dict[str, Any],
    thresholds: dict[str, Any],
    policy_version: str,
    decisions: dict[int, str] | None = None,
    outcome: str = "",
) -> str:
    rows = plan["resellers"]
    charts = [
        kpi_chart(rows, "open_rate", "Open rate", thresholds["target_open_rate"]),
        kpi_chart(rows, "processing_rate", "Processing rate", thresholds["target_processing_rate"]),
        kpi_chart(
            rows,
            "closing_rate",
            "Closing rate",
            thresholds["target_closing_min"],
            thresholds["target_closing_max"],
        ),
    ]
    return _PAGES.get_template("report.html.j2").render(
        plan=plan,
        thresholds=thresholds,
        policy_version=policy_version,
        decisions=decisions or {},
        outcome=outcome,
        charts=charts,
        coverage=coverage_chart(plan["departements"]) if plan["departements"] else "",
    )


def write_report(
    directory: Path, plan: RebalancingPlan, thresholds: dict[str, Any], policy_version: str
) -> Path:
    """``rebalancing-<year>.csv`` and ``.html`` under ``directory``; returns the HTML path."""
    return _write(directory, plan.as_dict(), thresholds, policy_version)


def rewrite_with_decisions(
    session: Session, directory: Path, rebalancing: Rebalancing, thresholds: dict[str, Any]
) -> Path:
    """The year's report again, from its stored proposals, with each decision beside them."""
    rows = [proposal.kpis for proposal in proposals_of(session, rebalancing)]
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["outcome"]] = counts.get(row["outcome"], 0) + 1
    plan = {
        "year": rebalancing.year,
        "counts": counts,
        "resellers": rows,
        "departements": rebalancing.departements,
    }
    when = f" on {rebalancing.decided_at:%Y-%m-%d}" if rebalancing.decided_at else ""
    by = f" by {rebalancing.decided_by}{when}" if rebalancing.decided_by else ""
    outcome = f"Decision: {rebalancing.status.value}{by}." + (
        f" Comment: {rebalancing.comment}" if rebalancing.comment else ""
    )
    return _write(
        directory, plan, thresholds, rebalancing.policy_version, decisions_for(rebalancing, rows), outcome
    )


def _write(
    directory: Path,
    plan: dict[str, Any],
    thresholds: dict[str, Any],
    policy_version: str,
    decisions: dict[int, str] | None = None,
    outcome: str = "",
) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    rows = [
        {**row, "decision": decisions.get(int(row["partner_id"]), "")} if decisions else row
        for row in plan["resellers"]
    ]
    (directory / f"rebalancing-{plan['year']}.csv").write_text(rows_csv(rows), encoding="utf-8")
    page = directory / f"rebalancing-{plan['year']}.html"
    page.write_text(report_html(plan, thresholds, policy_version, decisions, outcome), encoding="utf-8")
    return page
