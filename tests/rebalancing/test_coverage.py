"""Coverage per département after the proposed pauses: recruit, thin out or balanced."""

from __future__ import annotations

from pathlib import Path

from partnerflow.leads.kpis import ResellerKpis
from partnerflow.policy import load_file
from partnerflow.rebalancing.proposals import Coverage, ResellerProposal, coverage
from partnerflow.settings import PROJECT_ROOT
from tests.factories import write_policy
from tests.rebalancing.leadbook import POLICY_2026


def reseller(departement: str, leads: int, outcome: str = "keep", number: int = 0) -> ResellerProposal:
    kpis = ResellerKpis(number, f"R{number}", departement, "silver", "active", None, leads, 0, 0, 0, 0)
    return ResellerProposal(kpis, outcome, "default", "", 0, 12)


def leads_of(resellers: list[ResellerProposal]) -> dict[str, int]:
    leads: dict[str, int] = {}
    for r in resellers:
        leads[r.kpis.departement] = leads.get(r.kpis.departement, 0) + r.kpis.leads
    return leads


def covered(*resellers: ResellerProposal) -> dict[str, Coverage]:
    rows = coverage(list(resellers), leads_of(resellers), {}, POLICY_2026.document)
    return {row.departement: row for row in rows}


def test_a_departement_below_the_band_after_the_pauses_needs_recruiting() -> None:
    row = covered(*(reseller("13", 30, "pause" if n == 0 else "keep", n) for n in range(4)))["13"]
    assert (row.active, row.active_after, row.recommendation) == (4, 3, "recruit")


def test_a_departement_above_the_band_needs_thinning_out() -> None:
    row = covered(*(reseller("69", 30, number=n) for n in range(6)))["69"]
    assert (row.active_after, row.recommendation) == (6, "thin-out")


def test_too_few_leads_a_reseller_within_the_band_needs_thinning_out() -> None:
    row = covered(*(reseller("75", 8, number=n) for n in range(5)))["75"]
    assert (row.leads_per_reseller_after, row.recommendation) == (8.0, "thin-out")


def test_four_or_five_resellers_with_enough_leads_is_balanced() -> None:
    row = covered(*(reseller("33", 12, number=n) for n in range(4)))["33"]
    assert (row.active_after, row.recommendation) == (4, "balanced")


def test_at_the_band_minimum_few_leads_do_not_call_for_fewer_resellers() -> None:
    row = covered(*(reseller("33", 5, number=n) for n in range(4)))["33"]
    assert row.recommendation == "balanced"


def test_the_policy_can_change_how_coverage_becomes_a_recommendation(tmp_path: Path) -> None:
    shipped = (PROJECT_ROOT / "policies" / "rebalancing" / "2026-12-01.yaml").read_text("utf-8")
    stricter = shipped.replace(
        "when: departement.active_after < policy.min_resellers",
        "when: departement.active_after <= policy.min_resellers",
    )
    policy = load_file(write_policy(tmp_path, stricter, "rebalancing", "2026-12-01"))
    resellers = [reseller("33", 12, number=n) for n in range(4)]
    [row] = coverage(resellers, leads_of(resellers), {}, policy.document)
    assert (row.recommendation, row.rule_id) == ("recruit", "under-band")
    assert row.detail == "4 active after the pauses, below the band of 4 to 5"
