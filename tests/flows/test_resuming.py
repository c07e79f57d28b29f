"""Resuming waits out Prefect's gap between a run's Suspended state and its saved form."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest

import partnerflow.orchestration.resuming
from partnerflow.orchestration.resuming import SCHEMA_NOT_SAVED_YET, resume_with_input


def test_a_resume_in_the_gap_is_retried_until_the_form_is_saved(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[dict[str, Any]] = []

    def resume(_run_id: Any, run_input: dict[str, Any]) -> None:
        calls.append(run_input)
        if len(calls) < 3:
            raise RuntimeError(f"Cannot resume this run: {SCHEMA_NOT_SAVED_YET}.")

    monkeypatch.setattr(partnerflow.orchestration.resuming, "resume_flow_run", resume)
    resume_with_input(uuid4(), {"decision": "approve"})
    assert calls == [{"decision": "approve"}] * 3


def test_other_resume_errors_are_not_retried(monkeypatch: pytest.MonkeyPatch) -> None:
    def resume(_run_id: Any, run_input: dict[str, Any]) -> None:
        raise RuntimeError("Cannot resume this run: Run input does not match the schema.")

    monkeypatch.setattr(partnerflow.orchestration.resuming, "resume_flow_run", resume)
    with pytest.raises(RuntimeError, match="does not match"):
        resume_with_input(uuid4(), {"decision": "maybe"})
