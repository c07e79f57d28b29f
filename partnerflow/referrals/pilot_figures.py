"""The referral programme's figures, published for the run that reviews the pilot: conversion
against the bar and break-even (report files), and once the pilot has ended its review opened
(once) and the programme owners asked with their link and code.

A use case of its own, not a task's body: the referral-pilot-review run calls it through a task
(which adds Prefect's artifacts); ``referrals report`` shows the same figures without asking.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from partnerflow.approvals import Asking
from partnerflow.clock import programme_date
from partnerflow.referrals.pilot import ask_owner, open_review, programme_stage
from partnerflow.referrals.report import figures_markdown, figures_table, referral_figures, write_figures

OWNER_LINKS_WORK_FOR = timedelta(days=30)


@dataclass(frozen=True)
class PilotFigures:
    """What the pilot review run publishes (the summary, the report's link, a row per cohort and
    month), and the review it asks about (None: nothing to ask yet)."""

    review_id: int | None
    stage: str
    summary: str
    report: str
    months: tuple[dict[str, Any], ...] = ()


def publish_figures(at: Asking) -> PilotFigures:
    """The figures as of today, written as the report; the pilot's review opened and its owners
    asked the day after it ends (once)."""
    session, today = at.session, programme_date(at.now)
    policy = at.policy("referral_programme", today)
    figures = referral_figures(session, policy, as_of=today)
    report = at.links.report(write_figures(at.reports_dir, figures).name)
    summary = f"{figures_markdown(figures)}\n\n[Full report, with charts]({report})"
    review = open_review(session, policy, figures, today=today, run_id=at.flow_run_id, now=at.now)
    if review is not None:
        ask_owner(at, review, figures, expires_at=at.now + OWNER_LINKS_WORK_FOR)
    stage = programme_stage(session, policy).name
    review_id = review.id if review is not None else None
    return PilotFigures(review_id, stage, summary, report, tuple(figures_table(figures)))
