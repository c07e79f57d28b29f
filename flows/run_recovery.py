"""Crash recovery: a run whose process died is run again, never lost.

Triggered by each ``prefect.flow-run.Crashed`` event of a partnerflow run, and swept on a
schedule for crashes whose event was missed (a server restart). See ``tasks/recovery.py``.
"""

from typing import Annotated

from prefect import flow

from flows.parameters import LeftEmpty, RunId
from flows.runners import bounded_threads
from tasks.recovery import RecoveryReport, rerun_crashed_runs


@flow(name="recover-crashed-runs", flow_run_name="recover-crashed-runs", task_runner=bounded_threads())
async def recover_crashed_runs(flow_run_id: Annotated[RunId | None, LeftEmpty] = None) -> RecoveryReport:
    """Run again the partnerflow runs that crashed (their worker or runner died under them).

    Args:
        flow_run_id: the run that crashed (set by the Crashed-event trigger); empty: every
            partnerflow run that crashed during the last day.
    """
    return await rerun_crashed_runs(flow_run_id)
