"""The reseller-rebalancing deployment on a real Prefect server: proposals, a channel manager's
approval with an exclusion and a reseller chosen to thin out a crowded département, pauses
applied, report written, scorecards and summary mailed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from prefect.artifacts import Artifact
from prefect.deployments import run_deployment
from sqlalchemy import Engine
from sqlmodel import Session, select

from flows.reseller_rebalancing import reseller_rebalancing
from partnerflow.models import Partner, PartnerStatus, Rebalancing
from partnerflow.notify import MailSink
from partnerflow.orchestration.resuming import resume_with_input
from partnerflow.orchestration.serving import served_in_thread
from partnerflow.settings import Settings
from tests.factories import mailed_invitation
from tests.flows.test_deal_registration_flow import form_schema, wait_for
from tests.rebalancing.leadbook import add_manager, add_reseller, give_leads

pytestmark = [pytest.mark.prefect, pytest.mark.usefixtures("prefect_server")]


@pytest.fixture(scope="module")
def served_rebalancing(prefect_server: None) -> Iterator[None]:
    with served_in_thread(reseller_rebalancing, name="partnerflow-rebalancing-tests"):
        yield


def test_a_year_is_proposed_approved_with_an_exclusion_applied_and_mailed(
    served_rebalancing: None, engine: Engine, settings: Settings, smtp_server: MailSink
) -> None:
    good = [add_reseller(engine) for _ in range(3)]
    weak, silent = (
        add_reseller(engine, name="Réseaux Lents SARL"),
        add_reseller(engine, name="Muet Informatique"),
    )
    for reseller in good:
        give_leads(engine, reseller, leads=12, opened=12, processed=10, closed=7, sold=3)
    give_leads(engine, weak, leads=20, opened=17, processed=15, closed=10)
    give_leads(engine, silent, leads=12, opened=4)  # barely opens what it gets
    crowded = [add_reseller(engine, "13", name=f"Marseille Réseaux {n}") for n in range(6)]  # band: 4-5
    for reseller in crowded:
        give_leads(engine, reseller, leads=12, opened=12, processed=10, closed=7, sold=3)
    manager = add_manager(engine)
    run = run_deployment(
        "reseller-rebalancing/reseller-rebalancing",
        parameters={"year": 2026, "partial_year": True},
        timeout=0,
    )
    run_id = run.id  # type: ignore[union-attr]
    wait_for(run_id, pause_key="approval-1")
    assert [m["To"] for m in smtp_server.messages() if "à approuver" in str(m["Subject"])] == [manager]
    _link, code = mailed_invitation(engine, manager)
    ticks = {
        name: field["title"]
        for name, field in form_schema(run_id, "approval-1")["properties"].items()
        if name.startswith("exclude_from_pause__")
    }
    assert ticks == {  # a tick per proposed pause, named as people know the reseller
        f"exclude_from_pause__{weak}": "Keep Réseaux Lents SARL, Rhône (69)",
        f"exclude_from_pause__{silent}": "Keep Muet Informatique, Rhône (69)",
    }
    thin_out = {
        name: field["title"]
        for name, field in form_schema(run_id, "approval-1")["properties"].items()
        if name.startswith("thin_out__")
    }
    assert thin_out == {  # a tick per reseller of the département above the band
        f"thin_out__{reseller}": f"Pause Marseille Réseaux {n} to thin out Bouches-du-Rhône (13)"
        for n, reseller in enumerate(crowded)
    }
    resume_with_input(run_id, {"decision": "approve", "approval_code": manager})
    wait_for(run_id, pause_key="approval-2")  # a typed e-mail address proves nothing: the form comes back
    resume_with_input(
        run_id,
        {
            "decision": "approve",
            "approval_code": code,
            f"exclude_from_pause__{silent}": True,
            f"thin_out__{crowded[0]}": True,
        },
    )
    final = wait_for(run_id, final=True)
    assert final.state is not None and final.state.is_completed()
    published = Artifact.get("rebalancing-2026")
    assert published is not None and "## Outcome" in str(published.data), "the artifact tells the decision"
    assert final.name == "rebalancing-2026"
    with Session(engine) as session:
        statuses = {pid: session.get(Partner, pid).status for pid in (weak, silent, *crowded[:2])}  # type: ignore[union-attr]
    assert statuses == {
        weak: PartnerStatus.PAUSED,
        silent: PartnerStatus.ACTIVE,
        crowded[0]: PartnerStatus.PAUSED,  # the manager's choice
        crowded[1]: PartnerStatus.ACTIVE,
    }
    assert sorted(p.name for p in settings.reports_dir.iterdir()) == [
        "rebalancing-2026.csv",
        "rebalancing-2026.html",
    ]
    page = (settings.reports_dir / "rebalancing-2026.html").read_text("utf-8")
    assert "/reports/" in str(published.data), "the artifact links the report through the web app"
    assert "<th>Decision</th>" in page and page.count("<svg") == 4  # three KPIs, the coverage
    assert f"Muet Informatique (#{silent})</td>" in page and "kept by the manager" in page
    assert "paused by the manager to thin out" in page
    assert "paused" in page and "Decision: applied by" in page
    subjects = [str(m["Subject"]) for m in smtp_server.messages()]
    assert len([s for s in subjects if s.startswith("Votre bilan 2026")]) == 11
    assert (
        len([s for s in subjects if s.startswith("Rééquilibrage 2026 :")]) == 2
    )  # approval request + summary


def test_a_year_without_leads_or_not_over_ends_the_run_before_anything_is_judged(
    served_rebalancing: None, engine: Engine, smtp_server: MailSink
) -> None:
    give_leads(engine, add_reseller(engine), leads=4)
    add_manager(engine)
    ended = {}
    for name, parameters in {
        "2099": {"year": 2099},
        "2025, no leads": {"year": 2025},
        "2026, not over": {"year": 2026},
    }.items():
        run = run_deployment("reseller-rebalancing/reseller-rebalancing", parameters=parameters, timeout=0)
        ended[name] = wait_for(run.id, final=True).state  # type: ignore[union-attr]

    assert all(state is not None and state.is_failed() for state in ended.values()), ended
    messages = {name: state.message or "" for name, state in ended.items() if state is not None}
    assert "year 2099 has not begun" in messages["2099"]
    assert "no reseller received a lead in 2025" in messages["2025, no leads"]
    assert "year 2026 is not over" in messages["2026, not over"]
    with Session(engine) as session:
        assert session.exec(select(Rebalancing)).all() == [], "nothing judged, nothing stored"
    assert smtp_server.messages() == [], "no manager asked"
