"""The rebalancing part of the demo: last year's leads judged, approved, applied.

A channel manager answers on their approval page, keeping one reseller the policy proposed to
pause and thinning out a département above the band by one reseller. Run twice, the demo finds
the year decided and shows it.
"""

from __future__ import annotations

from rich.table import Table
from sqlmodel import Session

from demo.campaign import signer
from demo.deals import answer_from_email, wait_for_state
from partnerflow.cli.output import console
from partnerflow.db import get_engine
from partnerflow.models import Role
from partnerflow.orchestration.serving import served_in_thread
from partnerflow.rebalancing.decisions import proposals_of, rebalancing_for, thin_out_candidates
from partnerflow.settings import get_settings


def run_rebalancing_demo(year: int) -> None:
    """Run reseller-rebalancing for ``year`` on a served deployment and approve it."""
    from prefect.deployments import run_deployment

    from flows.reseller_rebalancing import reseller_rebalancing

    with Session(get_engine()) as session:
        decided = rebalancing_for(session, year)
    if decided is not None:
        console.print(f"{year} was already judged ({decided.status.value}): showing it")
    else:
        with served_in_thread(reseller_rebalancing, name="partnerflow-demo-rebalancing"):
            run = run_deployment(
                "reseller-rebalancing/reseller-rebalancing",
                parameters={"year": year, "partial_year": True},  # the demo judges the year so far
                timeout=0,
            )
            run_id = str(run.id)  # type: ignore[union-attr]
            wait_for_state(run_id, lambda state: state.is_paused())
            keep, thin = _first_pause(year), _first_to_thin_out(year)
            answer_from_email(
                run_id,
                "approval-1",
                signer(Role.CHANNEL_MANAGER),
                exclude_from_pause=str(keep or ""),
                thin_out=str(thin or ""),
                comment="Keeping one reseller: a new sales team starts there in January. "
                "Thinning out one where too many resellers share the leads.",
            )
            wait_for_state(run_id, lambda state: state.is_final())
    _print(year)


def _first_pause(year: int) -> int | None:
    with Session(get_engine()) as session:
        stored = rebalancing_for(session, year)
        if stored is None:
            return None
        pauses = [p.partner_id for p in proposals_of(session, stored) if p.outcome == "pause"]
    return pauses[0] if pauses else None


def _first_to_thin_out(year: int) -> int | None:
    """A reseller of a département the coverage recommends thinning out, if there is one."""
    with Session(get_engine()) as session:
        stored = rebalancing_for(session, year)
        candidates = [] if stored is None else thin_out_candidates(stored, proposals_of(session, stored))
    return candidates[0].partner_id if candidates else None


def _print(year: int) -> None:
    with Session(get_engine()) as session:
        stored = rebalancing_for(session, year)
        assert stored is not None
        outcomes = [p.applied_outcome or p.outcome for p in proposals_of(session, stored)]
        departements = stored.departements
        status, excluded, thinned = stored.status.value, stored.excluded, stored.thinned_out
    console.print(
        f"rebalancing {year}: {status}; keep {outcomes.count('keep')}, coach {outcomes.count('coach')}, "
        f"pause {outcomes.count('pause')}, route more {outcomes.count('route-more')} "
        f"(excluded from pause: {excluded or 'none'}; paused to thin out: {thinned or 'none'})"
    )
    empty = [row["departement"] for row in departements if not row["active"] and not row["leads"]]
    table = Table(
        title=f"Coverage {year} ({len(empty)} of {len(departements)} départements: no reseller, no lead)"
    )
    for column in ("département", "active after", "leads a reseller", "recommendation"):
        table.add_column(column)
    for row in departements:
        if row["departement"] in empty:
            continue
        table.add_row(
            f"{row['departement']} {row['name']}",
            str(row["active_after"]),
            str(row["leads_per_reseller_after"]),
            row["recommendation"],
        )
    console.print(table)
    console.print(f"report: {get_settings().reports_dir / f'rebalancing-{year}.html'}")
