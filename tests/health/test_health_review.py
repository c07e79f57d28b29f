"""The monthly health review: stored once, put to the channel managers, actions taken only from an
authenticated answer, sent to the partners, and followed up the next month; the report's files."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from partnerflow.approvals import Subject, take_answer
from partnerflow.health import assess_partners
from partnerflow.health.report import ReportInputs, report_csv, write_report
from partnerflow.health.review import (
    actions_reader,
    apply_actions,
    follow_ups,
    record_review,
    request_actions,
    review_markdown,
)
from partnerflow.models import AuditEvent, HealthReview, HealthSnapshot, Notification
from tests.factories import LINKS, applying, asking, form_answer, mailed_invitation
from tests.health.test_partner_health import AS_OF, build_network, policy

MANAGER = "manager@vendor.example"


def reviewed(engine: Engine, month: str = "2026-11") -> tuple[int, str]:
    """The month's review stored and put to the managers; its id and the summary they read."""
    with Session(engine) as session:
        assessed = assess_partners(session, policy(), AS_OF)
        review = record_review(session, month, assessed, policy_version="2026-01-01", now=AS_OF)
        summary = review_markdown(month, assessed, follow_ups(session, review), "report.html")
        at = asking(session, now=AS_OF, flow_run_id="run-1")
        request_actions(at, review, summary=summary, at_risk=2, expires_at=AS_OF + timedelta(days=14))
        session.commit()
        return review.id or 0, summary


def answer(engine: Engine, review_id: int, **values: object) -> object:
    with Session(engine) as session:
        outcome = take_answer(
            applying(session, now=AS_OF, flow_run_id="run-1"),
            Subject("partner-health", review_id),
            form_answer(**values),
        )
        session.commit()
        return outcome


@pytest.fixture
def network(engine: Engine) -> dict[str, int]:
    return build_network(engine)


def test_a_month_is_stored_once_with_every_partners_level(engine: Engine, network: dict[str, int]) -> None:
    review_id, summary = reviewed(engine)
    again, _ = reviewed(engine)
    with Session(engine) as session:
        levels = {s.partner_id: s.level for s in session.exec(select(HealthSnapshot))}
        review = session.get_one(HealthReview, review_id)
        invitations = session.exec(
            select(Notification).where(Notification.template == "health_actions_requested")
        ).all()
    assert again == review_id and review.status.value == "awaiting-actions"
    assert levels[network["Fading"]] == "at-risk" and levels[network["Steady"]] == "healthy"
    assert f"| {network['Fading']} | Fading |" in summary and "coaching-call" in summary
    assert [mail.recipient for mail in invitations] == [MANAGER], "the manager is asked once"


def test_actions_come_only_from_an_authenticated_answer_and_reach_the_partners(
    engine: Engine, network: dict[str, int]
) -> None:
    review_id, _ = reviewed(engine)
    _link, code = mailed_invitation(engine, MANAGER, "health_actions_requested")
    fading, waiting = network["Fading"], network["Waiting"]

    typed_email = answer(engine, review_id, decision="approve", approval_code=MANAGER, actions={})
    not_at_risk = answer(
        engine,
        review_id,
        decision="approve",
        approval_code=code,
        actions={str(network["Steady"]): "coaching-call"},
    )
    done = answer(
        engine, review_id, decision="approve", approval_code=code, actions={str(fading): "coaching-call"}
    )

    assert not typed_email.done and not not_at_risk.done  # type: ignore[attr-defined]
    assert "not at risk" in not_at_risk.message  # type: ignore[attr-defined]
    assert done.done and done.status == "decided"  # type: ignore[attr-defined]
    with Session(engine) as session:
        actions = {s.partner_id: s.action for s in session.exec(select(HealthSnapshot)) if s.action}
        mails = session.exec(select(Notification).where(Notification.template == "health_action")).all()
        events = [e.action for e in session.exec(select(AuditEvent))]
    assert actions == {fading: "coaching-call", waiting: "no-action"}
    assert [(mail.recipient, mail.subject) for mail in mails] == [
        ("fading@p.example", "Parlons de votre expérience du programme")
    ]
    assert "partner-health.actions-chosen" in events


def test_the_page_and_the_form_read_actions_the_same_way(engine: Engine, network: dict[str, int]) -> None:
    review_id, _ = reviewed(engine)
    fading, waiting = network["Fading"], network["Waiting"]
    with Session(engine) as session:
        read = actions_reader(session, review_id)
        typed = read({"actions": f"{fading}=coaching-call, {waiting}: training-invitation"})
        mapped = read({"actions": {fading: "coaching-call", str(waiting): "training-invitation"}})
        for wrong, problem in (
            ({"actions": f"{fading}=call-them"}, "unknown action call-them"),
            ({"actions": "fading=coaching-call"}, "write ID=action"),
            ({"actions": [fading]}, "a mapping"),
        ):
            with pytest.raises(ValueError, match=problem):
                read(wrong)
    assert typed == mapped == {"actions": {str(fading): "coaching-call", str(waiting): "training-invitation"}}
    assert read({}) == {}


def test_next_month_follows_up_the_partners_given_an_action(engine: Engine, network: dict[str, int]) -> None:
    review_id, _ = reviewed(engine)
    _link, code = mailed_invitation(engine, MANAGER, "health_actions_requested")
    answer(
        engine,
        review_id,
        decision="approve",
        approval_code=code,
        actions={str(network["Fading"]): "coaching-call"},
    )
    next_id, summary = reviewed(engine, "2026-12")
    with Session(engine) as session:
        [followed] = follow_ups(session, session.get_one(HealthReview, next_id))
    assert (followed.name, followed.action, followed.level_then, followed.verdict) == (
        "Fading",
        "coaching-call",
        "at-risk",
        "unchanged",
    )
    assert "Last month's actions" in summary


def test_the_report_is_a_csv_and_a_page_with_charts(
    engine: Engine, network: dict[str, int], tmp_path: Path
) -> None:
    with Session(engine) as session:
        assessed = assess_partners(session, policy(), AS_OF)
    inputs = ReportInputs(
        month="2026-11",
        policy_version="2026-01-01",
        assessed=assessed,
        tiers=dict.fromkeys(network.values(), "gold"),
        regions=dict.fromkeys(network.values(), "Auvergne-Rhône-Alpes"),
        attrition=[],
        survey=None,
        followed=[],
    )
    page = write_report(tmp_path, inputs)
    html = page.read_text(encoding="utf-8")
    rows = report_csv(inputs).splitlines()
    assert page.name == "partner-health-2026-11.html" and (tmp_path / "partner-health-2026-11.csv").exists()
    assert html.count("<svg") == 3 and "<script" not in html, "static charts, no script"
    assert "Fading" in html and "commission-halved" not in html  # drivers shown by their reasons
    assert rows[0].startswith("partner_id,name,departement,tier,level") and len(rows) == 1 + len(assessed)


def test_a_manager_chooses_actions_on_the_approval_page(
    client: httpx.Client, engine: Engine, network: dict[str, int], woken: list[tuple[str, dict[str, str]]]
) -> None:
    review_id, _ = reviewed(engine)
    link, _code = mailed_invitation(engine, MANAGER, "health_actions_requested")
    path = link.removeprefix(LINKS.web_url)
    fading = network["Fading"]

    page = client.get(path)
    refused = client.post(path, data={"decision": "approve", "actions": f"{network['Steady']}=coaching-call"})
    chosen = client.post(path, data={"decision": "approve", "actions": f"{fading}=programme-exception"})
    with Session(engine) as session:
        apply_actions(applying(session, now=AS_OF), review_id)  # what the woken run does
        session.commit()
        actions = {s.partner_id: s.action for s in session.exec(select(HealthSnapshot)) if s.action}

    assert page.status_code == 200 and 'name="actions"' in page.text and "Fading" in page.text
    assert refused.status_code == 409 and "not at risk" in refused.text
    assert chosen.status_code == 200 and [run for run, _values in woken] == ["run-1"]
    assert actions == {fading: "programme-exception", network["Waiting"]: "no-action"}
