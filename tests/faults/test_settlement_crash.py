"""The settlement's process killed between two of its steps, on a served deployment, then run again:
one payment file, each statement paid once, one statement e-mail per partner.

The run is killed with SIGKILL (no cleanup, as when a host or the OOM killer takes it) between
two steps: it is frozen (SIGSTOP) the moment the database shows the earlier step committed and
not the next one, checked again while frozen, then killed. Prefect records it Crashed; a new run
of the same month (what ``recover-crashed-runs`` or an operator starts) finishes the job from
where it stopped.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from prefect.client.orchestration import get_client
from prefect.deployments import run_deployment
from sqlalchemy import Engine, text

from flows.commission_settlement import commission_settlement
from partnerflow.db import get_engine, migrate
from partnerflow.notify import MailSink
from partnerflow.orchestration.serving import served_in_thread
from partnerflow.settings import Settings
from tests.commissions.ledger import AFTER_MARCH_2027
from tests.faults.scenarios import deliver_until_done, files_in, won_month

pytestmark = [pytest.mark.prefect, pytest.mark.usefixtures("prefect_server")]
PERIOD = "2027-03"
STATEMENT_MAILS = "SELECT count(*) FROM notification WHERE template = 'commission_statement'"
KILL_POINTS = {  # each query counts a row only between the step named and the next one
    "the batch opened": "SELECT count(*) FROM settlementbatch WHERE payment_id IS NULL",
    "the payment file written": "SELECT count(*) FROM settlementbatch WHERE status = 'file-written'",
    "the batch marked paid": "SELECT count(*) FROM settlementbatch "
    f"WHERE status = 'paid' AND ({STATEMENT_MAILS}) = 0",
    "the statement e-mails queued": f"SELECT ({STATEMENT_MAILS}) > 0 AND count(*) = 0 FROM notification "
    "WHERE template = 'commission_statement' AND status = 'sent'",
}


@pytest.fixture
def engine(settings: Settings) -> Engine:
    """SQLite only here: the served flow and the test share the settings' database file."""
    migrate(settings.database_url)
    return get_engine(settings.database_url)


@pytest.fixture(scope="module")
def served_settlement(prefect_server: None) -> Iterator[None]:
    with served_in_thread(commission_settlement, name="partnerflow-crash-tests"):
        yield


def scalar(engine: Engine, query: str) -> Any:
    with engine.connect() as connection:
        return connection.execute(text(query)).scalar()


def flow_run_processes() -> list[int]:
    """The flow-run processes the runner serving in this process started (Prefect 3.8.8 starts
    each run with multiprocessing's spawn); one settlement runs at a time here."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            command = (entry / "cmdline").read_bytes()
        except (OSError, IndexError, ValueError):
            continue
        if parent == os.getpid() and b"spawn_main" in command:
            found.append(int(entry.name))
    return found


def kill_between_steps(database: Path, between: str, process: int, seconds: float = 120) -> None:
    """Freeze ``process`` (SIGSTOP) the moment ``between`` holds, check it still holds (the run
    went no further), then kill it (SIGKILL): the run dies exactly between the two steps."""
    connection = sqlite3.connect(database, timeout=30)
    deadline = time.monotonic() + seconds
    try:
        while not connection.execute(between).fetchone()[0]:
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for: {between}")
            time.sleep(0.0005)
        os.kill(process, signal.SIGSTOP)
        still = connection.execute(between).fetchone()[0]
        os.kill(process, signal.SIGKILL)
        assert still, "the run went past the step before it could be stopped: nothing was tested"
    finally:
        connection.close()


def state_of(flow_run_id: Any) -> str:
    with get_client(sync_client=True) as client:
        state = client.read_flow_run(flow_run_id).state
    return state.type.value if state is not None else ""


def wait(what: str, condition: Callable[[], bool], seconds: float = 120, every: float = 0.2) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(every)


def settle() -> Any:
    """A run of the served settlement deployment for the month; its id."""
    run = run_deployment(
        "commission-settlement/commission-settlement", parameters={"period": PERIOD}, timeout=0
    )
    return run.id  # type: ignore[union-attr]


@pytest.mark.parametrize("kill_point", list(KILL_POINTS))
def test_a_settlement_killed_after_a_step_then_run_again_pays_and_mails_once(
    served_settlement: None,
    engine: Engine,
    settings: Settings,
    smtp_server: MailSink,
    kill_point: str,
    programme_clock: Callable[[datetime], None],
) -> None:
    won_month(engine, "30000")  # under the finance threshold: no approval to wait for
    programme_clock(AFTER_MARCH_2027)
    earlier = set(flow_run_processes())  # an earlier test's run may still be exiting
    first = settle()
    started: list[int] = []
    wait(
        "the run's process",
        lambda: bool(started.extend(set(flow_run_processes()) - earlier) or started),
        every=0.02,
    )
    [process] = started
    kill_between_steps(Path(engine.url.database or ""), KILL_POINTS[kill_point], process)
    wait("the killed run to be Crashed", lambda: state_of(first) == "CRASHED")

    again = settle()
    wait("the second run to complete", lambda: state_of(again) == "COMPLETED")
    deliver_until_done(engine, settings)  # later deliveries, once the dead run's lease on the outbox expired

    assert files_in(settings.payments_dir / PERIOD) == 1
    assert scalar(engine, "SELECT status FROM settlementbatch") == "paid"
    assert scalar(engine, "SELECT count(*) FROM statement WHERE status = 'paid'") == 2
    audit = "SELECT count(*) FROM auditevent WHERE action = '{}'"
    assert scalar(engine, audit.format("settlement.file-written")) == 1
    assert scalar(engine, audit.format("settlement.paid")) == 1
    statements = [
        m["To"] for m in smtp_server.messages() if "Relevé de commissions mars 2027" in str(m["Subject"])
    ]
    assert sorted(statements) == ["contact@azur.example", "contact@boreal.example"]
    assert scalar(engine, "SELECT count(*) FROM rewardpayout WHERE status = 'paid'") == 2
    assert scalar(engine, "SELECT count(*) FROM referralreward WHERE status = 'settled'") == 2
    rewards = [m["To"] for m in smtp_server.messages() if "parrainage" in str(m["Subject"])]
    assert sorted(rewards) == ["achats@parrain.example", "claire@filleul.example"], "each payout mailed once"
