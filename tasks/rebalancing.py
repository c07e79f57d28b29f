"""Rebalancing I/O steps: proposals and report, the manager's answer, the changes, the e-mails."""

from datetime import date, timedelta

from prefect import task
from prefect.artifacts import create_markdown_artifact, create_table_artifact

from partnerflow.context import context
from partnerflow.db import session_scope
from partnerflow.rebalancing.decisions import (
    AppliedYear,
    ProposedYear,
    apply_rebalancing,
    outcome_markdown,
    rebalancing_for,
)
from partnerflow.rebalancing.notices import (
    queue_quarter_scorecards,
    queue_summary,
    queue_year_scorecards,
    targets,
)
from partnerflow.rebalancing.proposals import judged_on
from partnerflow.rebalancing.proposing import propose_year
from partnerflow.rebalancing.report import rewrite_with_decisions
from partnerflow.rebalancing.years import year_refusal
from tasks.settings import STEP, SWEEP

APPROVAL_LINKS_WORK_FOR = timedelta(days=30)  # the year's proposals wait this long for an answer


@task(name="check-rebalancing-year", **SWEEP)
def check_rebalancing_year(year: int, partial_year: bool) -> str | None:
    """Why ``year`` cannot be judged today (``partnerflow.rebalancing.years``), or None."""
    ctx = context()
    with session_scope() as session:
        return year_refusal(session, year, today=ctx.clock.today(), partial_year=partial_year)


@task(name="propose-rebalancing", **STEP)
def propose_rebalancing(year: int, flow_run_id: str) -> ProposedYear:
    """The year proposed for this run (``rebalancing.proposing``), its summary, coverage and
    proposals published as the run's artifacts."""
    with session_scope() as session:
        proposal = propose_year(context().asking(session, flow_run_id), year)
    plan, key = proposal.plan, f"rebalancing-{year}"
    create_markdown_artifact(proposal.proposed.summary, key=key, description=f"Reseller rebalancing {year}")
    create_table_artifact(
        [c.__dict__ for c in plan.coverage], key=f"{key}-departements", description="Coverage per département"
    )
    create_table_artifact(
        [p.as_row() for p in plan.resellers], key=f"{key}-resellers", description="Proposal per reseller"
    )
    return proposal.proposed


@task(name="apply-rebalancing", **STEP)
def apply_approved_rebalancing(year: int, report: str) -> AppliedYear:
    """Pause the approved pauses, then queue every scorecard and the managers' summary."""
    ctx = context()
    renderer = ctx.renderer
    with session_scope() as session:
        applied = apply_rebalancing(session, year, now=ctx.clock.now())
        rebalancing = rebalancing_for(session, year)
        assert rebalancing is not None
        scorecards = 0
        if rebalancing.status.value == "applied":
            scorecards = queue_year_scorecards(
                session, rebalancing, context().policy("rebalancing", judged_on(year)).document, renderer
            )
        queue_summary(session, rebalancing, renderer, report_path=report)
        status = rebalancing.status.value
    return AppliedYear(status, applied, scorecards)


@task(name="queue-quarter-scorecards", **STEP)
def send_quarter_scorecards(today: str) -> int:
    """Each active reseller's KPIs for the quarter so far (once per reseller and quarter)."""
    day = date.fromisoformat(today)
    with session_scope() as session:
        return queue_quarter_scorecards(
            session, day, context().policy("rebalancing", judged_on(day.year)).document, context().renderer
        )


@task(name="publish-rebalancing-outcome", **STEP)
def publish_rebalancing_outcome(year: int, summary: str, applied: AppliedYear) -> str:
    """The year's artifact again, under the same key, with what was decided and applied, and the
    report rewritten with each decision beside its proposal: both show the outcome, not only the
    question."""
    with session_scope() as session:
        rebalancing = rebalancing_for(session, year)
        assert rebalancing is not None
        outcome = outcome_markdown(rebalancing, applied)
        thresholds = targets(context().policy("rebalancing", judged_on(year)).document)
        rewrite_with_decisions(session, context().settings.reports_dir, rebalancing, thresholds)
    create_markdown_artifact(
        summary + "\n" + outcome, key=f"rebalancing-{year}", description=f"Reseller rebalancing {year}"
    )
    return outcome
