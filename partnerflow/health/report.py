"""The monthly partner-health report as files: a CSV of every active partner and an HTML page with
charts (levels by tier, drivers by cause and région, the attrition trend, survey scores).

Charts are pygal SVG inlined in the page, with no script (``partnerflow.charts``).
"""

from __future__ import annotations

import io
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pygal
from defusedcsv import csv  # cells starting with = + - @ are neutralised (OWASP CSV injection)
from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup
from pygal.style import Style

from partnerflow.charts import chart_options, inline_svg
from partnerflow.health.assessment import LEVELS, PartnerHealth, levels_count
from partnerflow.health.attrition import AttritionPeriod
from partnerflow.health.review import FollowUp
from partnerflow.health.survey import CAUSE_QUESTIONS, RoundResults
from partnerflow.locales import RECORD_LOCALE
from partnerflow.models import AttritionCause

_PAGES = Environment(
    loader=PackageLoader("partnerflow.health", "templates"),
    autoescape=True,  # partner names are typed by people
    undefined=StrictUndefined,
)
_LEVEL_STYLE = Style(  # in LEVELS order: at-risk, watch, healthy
    colors=("#c0392b", "#e1a100", "#2e8b57"), background="white", plot_background="white"
)


@dataclass(frozen=True)
class ReportInputs:
    month: str
    policy_version: str
    assessed: list[PartnerHealth]
    tiers: dict[int, str]  # partner id -> tier
    regions: dict[int, str]  # partner id -> région
    attrition: list[AttritionPeriod]
    survey: RoundResults | None
    followed: list[FollowUp]


def write_report(directory: Path, inputs: ReportInputs) -> Path:
    """``partner-health-<month>.csv`` and ``.html`` under ``directory``; returns the HTML path."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"partner-health-{inputs.month}.csv").write_text(report_csv(inputs), encoding="utf-8")
    page = directory / f"partner-health-{inputs.month}.html"
    page.write_text(report_html(inputs), encoding="utf-8")
    return page


def report_csv(inputs: ReportInputs) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(
        ["partner_id", "name", "departement", "tier", "level", "rule", "drivers", "causes", "actions"]
    )
    for health in inputs.assessed:
        writer.writerow(
            [
                health.partner_id,
                health.name,
                health.territory_code,
                inputs.tiers.get(health.partner_id, ""),
                health.level,
                health.rule_id,
                " ".join(driver.id for driver in health.drivers),
                " ".join(sorted({driver.cause for driver in health.drivers})),
                " ".join(sorted({driver.action for driver in health.drivers})),
            ]
        )
    return buffer.getvalue()


def report_html(inputs: ReportInputs) -> str:
    at_risk = [health for health in inputs.assessed if health.level == "at-risk"]
    return _PAGES.get_template("report.html.j2").render(
        month=inputs.month,
        policy_version=inputs.policy_version,
        counts=levels_count(inputs.assessed),
        at_risk=at_risk,
        locale=RECORD_LOCALE,
        followed=inputs.followed,
        survey=inputs.survey,
        charts={
            "levels": _levels_by_tier(inputs),
            "causes": _causes_by_region(inputs),
            "attrition": _attrition_trend(inputs.attrition),
            "survey": _survey_scores(inputs.survey),
        },
    )


def _levels_by_tier(inputs: ReportInputs) -> Markup:
    chart = pygal.StackedBar(**chart_options("Partners by level and tier", style=_LEVEL_STYLE))
    tiers = sorted(set(inputs.tiers.values()))
    chart.x_labels = tiers
    counted = Counter((inputs.tiers.get(h.partner_id, ""), h.level) for h in inputs.assessed)
    for level in LEVELS:
        chart.add(level, [counted[(tier, level)] for tier in tiers])
    return inline_svg(chart)


def _causes_by_region(inputs: ReportInputs) -> Markup:
    chart = pygal.StackedBar(
        **chart_options("Partners with a driver, by cause and région", x_label_rotation=20)
    )
    regions = sorted(set(inputs.regions.values()))
    chart.x_labels = regions
    counted = Counter(
        (inputs.regions.get(h.partner_id, ""), cause)
        for h in inputs.assessed
        for cause in {driver.cause for driver in h.drivers}
    )
    for cause in (c.value for c in AttritionCause):
        chart.add(cause, [counted[(region, cause)] for region in regions])
    return inline_svg(chart)


def _attrition_trend(periods: list[AttritionPeriod]) -> Markup:
    chart = pygal.Line(**chart_options("Attrition rate by quarter (%)", range=(0, 100)))
    quarters = [period for period in periods if "-Q" in period.label]
    chart.x_labels = [period.label for period in quarters]
    chart.add("left / active at start", [round(100 * _rate(period), 1) for period in quarters])
    return inline_svg(chart)


def _survey_scores(survey: RoundResults | None) -> Markup | None:
    shown = [group for group in survey.groups if group.shown] if survey else []
    if survey is None or not shown:
        return None
    chart = pygal.Bar(**chart_options(f"Survey {survey.label}: agreement per cause (1-5)", range=(1, 5)))
    chart.x_labels = list(CAUSE_QUESTIONS)
    for group in shown:
        chart.add(f"{group.group} ({group.answers})", [round(group.averages[c], 2) for c in CAUSE_QUESTIONS])
    return inline_svg(chart)


def _rate(period: AttritionPeriod) -> float:
    active = sum(row.active_at_start for row in period.rows)
    left = sum(row.left for row in period.rows)
    return left / active if active else 0.0
