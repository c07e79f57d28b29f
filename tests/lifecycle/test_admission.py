"""Replacement resellers on strict criteria: candidates judged on import by the partner_admission
policy, proposed together to a channel manager, and the admitted ones made partners."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from prefect.deployments import run_deployment
from sqlalchemy import Engine
from sqlmodel import Session, select

from flows.partner_admission import partner_admission
from partnerflow.approvals import Subject, take_answer
from partnerflow.lifecycle.admission import import_candidates, propose_batch
from partnerflow.models import AuditEvent, CandidateStatus, Partner, PartnerCandidate, Role
from partnerflow.orchestration.resuming import resume_with_input
from partnerflow.orchestration.serving import served_in_thread
from partnerflow.policy import PartnerAdmissionPolicy, Policy, load_policy
from partnerflow.settings import PROJECT_ROOT
from tests.factories import LINKS, RENDERER, add_partner, add_person, applying, form_answer, mailed_invitation
from tests.flows.test_deal_registration_flow import wait_for

NOW = datetime(2026, 11, 30, 9, tzinfo=UTC)
MANAGER = "manager@vendor.example"


def policy() -> Policy[PartnerAdmissionPolicy]:
    loaded: Policy[PartnerAdmissionPolicy] = load_policy(
        "partner_admission", NOW.date(), PROJECT_ROOT / "policies"
    )
    return loaded


def candidate(siren: str, **changes: Any) -> dict[str, Any]:
    return {
        "name": f"Candidat {siren[-3:]} SAS",
        "siren": siren,
        "departement": "13",
        "sector": "network-integrator",
        "sales_staff": "4",
        "certified_staff": "1",
        "contact_email": f"direction@c{siren[-3:]}.example",
        "locale": "fr",
        **changes,
    }


def covered_rhone_and_thin_bouches_du_rhone(engine: Engine) -> None:
    with Session(engine) as session:
        add_person(session, MANAGER, Role.CHANNEL_MANAGER)
        for number in range(5):
            add_partner(session, name=f"Rhône {number}", territory="69", email=f"r{number}@p.example")
        add_partner(session, name="Marseille 1", territory="13", email="m1@p.example")
        session.commit()


def imported(engine: Engine, rows: list[dict[str, Any]]) -> Any:
    with Session(engine) as session:
        report = import_candidates(session, rows, policy=policy(), min_resellers=4, now=NOW)
        session.commit()
        return report


def statuses(engine: Engine) -> dict[str, tuple[str, str]]:
    with Session(engine) as session:
        return {c.siren: (c.status.value, c.rule_id) for c in session.exec(select(PartnerCandidate))}


@pytest.fixture
def network(engine: Engine) -> Engine:
    covered_rhone_and_thin_bouches_du_rhone(engine)
    return engine


def test_each_candidate_is_judged_and_each_bad_row_named(network: Engine) -> None:
    report = imported(
        network,
        [
            candidate("123456782"),
            candidate("123456789"),  # check digit wrong
            candidate("123456790", departement="69"),  # five active resellers already
            candidate("123456808", sector="bakery"),
            candidate("123456816", certified_staff="0"),
            candidate("12345", name="Trop Court"),
            candidate("123456824", departement="99"),
            candidate("123456832", contact_email="not an address"),
        ],
    )
    assert dict(report.judged) == {"propose": 1, "refuse": 3, "hold": 1}
    assert statuses(network) == {
        "123456782": ("proposed", "default"),
        "123456789": ("refused", "invalid-siren"),
        "123456790": ("refused", "departement-covered"),
        "123456808": ("refused", "outside-our-trades"),
        "123456816": ("held", "no-certified-staff"),
    }
    assert [number for number, _ in report.refused_rows] == [6, 7, 8]
    assert "siren" in report.refused_rows[0][1] and "99 is not a département" in report.refused_rows[1][1]


def test_a_held_candidate_imported_again_is_judged_again_a_proposed_one_is_not(network: Engine) -> None:
    imported(network, [candidate("123456782"), candidate("123456816", certified_staff="0")])
    again = imported(
        network, [candidate("123456782", sales_staff="1"), candidate("123456816", certified_staff="2")]
    )
    assert again.unchanged == 1 and dict(again.judged) == {"propose": 1}
    assert statuses(network)["123456816"] == ("proposed", "default")


def test_approved_candidates_become_partners_minus_those_left_out(network: Engine) -> None:
    imported(network, [candidate("123456782"), candidate("123456816"), candidate("123456824")])
    with Session(network) as session:
        batch = propose_batch(
            session,
            renderer=RENDERER,
            links=LINKS,
            run_id="run-9",
            expires_at=NOW + timedelta(days=7),
            now=NOW,
        )
        session.commit()
        left_out = session.exec(
            select(PartnerCandidate.id).where(PartnerCandidate.siren == "123456824")
        ).one()
    assert batch.candidates == 3 and batch.batch_id is not None
    _link, code = mailed_invitation(network, MANAGER, "admission_requested")

    def answer(**values: Any) -> Any:
        with Session(network) as session:
            outcome = take_answer(
                applying(session, now=NOW, flow_run_id="run-9"),
                Subject("admission", batch.batch_id or 0),
                form_answer(**values),
            )
            session.commit()
            return outcome

    assert not answer(decision="approve", approval_code=MANAGER).done, "a typed e-mail proves nothing"
    assert not answer(decision="approve", approval_code=code, leave_out=[99999]).done
    assert answer(decision="approve", approval_code=code, leave_out=[left_out]).done
    with Session(network) as session:
        admitted = session.exec(select(Partner).where(Partner.siren.in_(["123456782", "123456816"]))).all()  # type: ignore[union-attr]
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "admission.decided")).one()
    assert statuses(network)["123456824"] == ("rejected", "default")
    assert (
        sorted((p.tier.value, p.territory_code, p.joined_on) for p in admitted)
        == [("registered", "13", NOW.date())] * 2
    )
    assert event.actor == MANAGER and event.details["left_out"] == [left_out]


@pytest.fixture(scope="module")
def served_admission(prefect_server: None) -> Iterator[None]:
    with served_in_thread(partner_admission, name="partnerflow-admission-tests"):
        yield


@pytest.mark.prefect
def test_the_deployment_waits_for_a_manager_and_admits(served_admission: None, network: Engine) -> None:
    imported(network, [candidate("123456782")])
    run = run_deployment("partner-admission/partner-admission", timeout=0)
    run_id = run.id  # type: ignore[union-attr]
    wait_for(run_id, pause_key="admission-1")
    _link, code = mailed_invitation(network, MANAGER, "admission_requested")
    resume_with_input(run_id, {"decision": "approve", "approval_code": code})
    final = wait_for(run_id, final=True)
    assert final.state is not None and final.state.is_completed()
    assert statuses(network)["123456782"][0] == CandidateStatus.ADMITTED.value


def test_the_commands_import_and_list_candidates(network: Engine, tmp_path: Any) -> None:
    import json

    from typer.testing import CliRunner

    from partnerflow.cli import app

    path = tmp_path / "candidates.json"
    path.write_text(
        json.dumps([candidate("123456782"), candidate("123456789"), {"name": "x"}]), encoding="utf-8"
    )
    result = CliRunner().invoke(app, ["candidates", "import", str(path)])
    listed = CliRunner().invoke(app, ["candidates", "list", "--status", "proposed", "--json"])

    assert result.exit_code == 0, result.output
    assert "1 propose, 1 refuse; 0 already decided; 1 row(s) refused" in result.output
    assert f"{path}: row 3: " in result.output
    assert [row["siren"] for row in json.loads(listed.output)] == ["123456782"]
