"""Resuming a suspended run with form values, robust to Prefect's suspension order.

``suspend_flow_run`` first sets the run's Suspended state, then saves the form's schema; a
resume that lands in between fails with "Run input schema not found" although the run is
paused and will accept the same input a moment later. Everything that resumes runs here (the
SLA wake-ups, ``partnerflow review decide``, the demo, the tests) goes through this function.
"""

import time
from typing import Any
from uuid import UUID

from prefect.flow_runs import resume_flow_run

SCHEMA_NOT_SAVED_YET = "Run input schema not found"


def resume_with_input(flow_run_id: str | UUID, values: dict[str, Any], *, wait_seconds: float = 10.0) -> None:
    """Resume ``flow_run_id`` with ``values``; retries while the run's form is not saved yet."""
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            resume_flow_run(UUID(str(flow_run_id)), run_input=values)
            return
        except RuntimeError as error:
            if SCHEMA_NOT_SAVED_YET not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def wake_run(flow_run_id: str, values: dict[str, Any], *, wait_seconds: float = 10.0) -> bool:
    """Wake a run that waits for a decision, after an answer was recorded for it; False if it is
    not waiting (it is applying an earlier answer, or finished). A run that was busy applies the
    new answer at its next wake-up: the review and campaign sweeps wake runs with answers left."""
    from prefect.exceptions import NotPausedError

    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            resume_with_input(flow_run_id, values, wait_seconds=wait_seconds)
            return True
        except NotPausedError:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.25)
