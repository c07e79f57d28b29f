"""The commission-settlement deployment on a real Prefect server: it waits for finance, then pays."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from prefect.artifacts import Artifact
from prefect.deployments import run_deployment
from sqlalchemy import Engine

from flows.commission_settlement import commission_settlement
from partnerflow.models import SettlementBatch, Statement, StatementStatus
from partnerflow.notify import MailSink
from partnerflow.orchestration.resuming import resume_with_input
from partnerflow.orchestration.serving import served_in_thread
from partnerflow.registration.intake import IntakeResult
from partnerflow.settings import Settings
from tests.commissions.ledger import AFTER_MARCH_2027, rows, won
from tests.factories import mailed_invitation
from tests.flows.test_deal_registration_flow import wait_for

pytestmark = [pytest.mark.prefect, pytest.mark.usefixtures("prefect_server")]


@pytest.fixture(scope="module")
def served_settlement(prefect_server: None) -> Iterator[None]:
    with served_in_thread(commission_settlement, name="partnerflow-settlement-tests"):
        yield


def test_a_settlement_over_the_threshold_waits_for_finance_then_pays_and_mails(
    served_settlement: None,
    engine: Engine,
    settings: Settings,
    payees: dict[str, int],
    submit: Callable[..., IntakeResult],
    smtp_server: MailSink,
    programme_clock: Callable[[datetime], None],
) -> None:
    won(engine, submit, payees["first"], "100000", date(2027, 1, 5), "a")
    won(engine, submit, payees["second"], "100000", date(2027, 1, 6), "b")
    programme_clock(AFTER_MARCH_2027)
    run = run_deployment(
        "commission-settlement/commission-settlement", parameters={"period": "2027-03"}, timeout=0
    )
    wait_for(run.id, pause_key="approval-1")  # type: ignore[union-attr]
    asked = [m for m in smtp_server.messages() if "Approbation requise" in str(m["Subject"])]
    assert sorted(m["To"] for m in asked) == ["finance1@vendor.example", "finance2@vendor.example"]
    resume_with_input(run.id, {"decision": "approve", "approval_code": "ABCDE-FGHJK"})  # type: ignore[union-attr]
    wait_for(run.id, pause_key="approval-2")  # type: ignore[union-attr]  # a guessed code: asked again
    _link, code = mailed_invitation(engine, "finance2@vendor.example")
    resume_with_input(run.id, {"decision": "approve", "approval_code": code})  # type: ignore[union-attr]
    final = wait_for(run.id, final=True)  # type: ignore[union-attr]
    assert final.state is not None and final.state.is_completed()
    statements = rows(engine, Statement)
    assert {s.status for s in statements} == {StatementStatus.PAID} and len(statements) == 2
    assert sorted(p.suffix for p in Path(settings.payments_dir / "2027-03").iterdir()) == [".csv", ".xml"]
    mailed = [m for m in smtp_server.messages() if "Relevé de commissions mars 2027" in str(m["Subject"])]
    assert sorted(m["To"] for m in mailed) == ["contact@azur.example", "contact@boreal.example"]
    summary = Artifact.get("commission-settlement-2027-03")
    assert summary is not None and "status paid" in str(summary.data), "the artifact tells the outcome"
    assert "/reports/" in str(summary.data), "the artifact links the month's report through the web app"
    page = (settings.reports_dir / "settlement-2027-03.html").read_text("utf-8")
    assert "Status <strong>paid</strong>" in page and page.count("<svg") == 1 and "<script" not in page
    assert "Azur" in page and (settings.reports_dir / "settlement-2027-03.csv").is_file()
    assert final.name == "settlement-2027-03"


def test_a_month_not_over_is_not_settled(
    served_settlement: None, engine: Engine, programme_clock: Callable[[datetime], None]
) -> None:
    """Measured before: settling 2099-12 paid lines still in their hold, with a file dated today."""
    programme_clock(datetime(2026, 11, 23, 9, tzinfo=UTC))
    ended = {}
    for period in ("2026-11", "2099-12"):
        run = run_deployment(
            "commission-settlement/commission-settlement", parameters={"period": period}, timeout=0
        )
        ended[period] = wait_for(run.id, final=True).state  # type: ignore[union-attr]
    assert all(state is not None and state.is_failed() for state in ended.values()), ended
    assert "period 2026-11 has not ended" in (ended["2026-11"].message or "")  # type: ignore[union-attr]
    assert "period 2099-12 has not ended" in (ended["2099-12"].message or "")  # type: ignore[union-attr]
    assert rows(engine, SettlementBatch) == [], "no batch, no statement, no file"


def test_a_run_resumed_in_another_month_settles_the_month_it_started_for(
    served_settlement: None,
    engine: Engine,
    payees: dict[str, int],
    submit: Callable[..., IntakeResult],
    smtp_server: MailSink,
    programme_clock: Callable[[datetime], None],
) -> None:
    """Finance answers a month later: the resumed run reads the day it started on (day-of-run),
    not the day it resumes on, so it still settles March and opens no April batch."""
    won(engine, submit, payees["first"], "100000", date(2027, 1, 5), "a")
    won(engine, submit, payees["second"], "100000", date(2027, 1, 6), "b")
    programme_clock(datetime(2027, 4, 30, 8, tzinfo=UTC))  # last month: March
    run = run_deployment("commission-settlement/commission-settlement", parameters={}, timeout=0)
    wait_for(run.id, pause_key="approval-1")  # type: ignore[union-attr]
    programme_clock(datetime(2027, 5, 3, 8, tzinfo=UTC))  # last month: April; the link still works
    _link, code = mailed_invitation(engine, "finance1@vendor.example")
    resume_with_input(run.id, {"decision": "approve", "approval_code": code})  # type: ignore[union-attr]
    final = wait_for(run.id, final=True)  # type: ignore[union-attr]
    assert final.state is not None and final.state.is_completed()
    assert [batch.period for batch in rows(engine, SettlementBatch)] == ["2027-03"]
