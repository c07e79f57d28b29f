"""I/O steps about the people who decide, across the processes."""

from __future__ import annotations

from prefect import task

from partnerflow.approvals import DecisionOutcome, FormAnswer, Subject, take_answer
from partnerflow.approvals.deadlines import DeadlineSweep, sweep_decisions
from partnerflow.approvals.inbox import queue_digests
from partnerflow.context import context
from partnerflow.db import session_scope
from tasks.settings import ANSWER, SWEEP


@task(name="take-decision-answer", task_run_name="take-{kind}-answer-{subject_id}-{round_number}", **ANSWER)
def take_decision_answer(
    kind: str, subject_id: int, flow_run_id: str, round_number: int, answer: FormAnswer
) -> DecisionOutcome:
    """One round of any decision's form: the answer recorded (or refused, with the reason), then
    the kind's ``apply`` of every answer recorded so far (``approvals.take_answer``). Cached by
    kind, subject, run and round (``ANSWER``): a replayed round gets its first outcome back."""
    ctx = context()
    with session_scope() as session:
        return take_answer(ctx.applying(session, flow_run_id), Subject(kind, subject_id), answer)


@task(name="queue-decision-digests", **SWEEP)
def queue_decision_digests() -> int:
    """Each person with open decisions gets today's list of them, once."""
    ctx = context()
    with session_scope() as session:
        return queue_digests(session, ctx.links, ctx.renderer, now=ctx.clock.now())


@task(name="sweep-decision-deadlines", **SWEEP)
def sweep_decision_deadlines() -> DeadlineSweep:
    """Remind whoever has not answered a decision (their link renewed) and tell the escalation
    role of overdue ones (``approvals.deadlines``)."""
    ctx = context()
    with session_scope() as session:
        return sweep_decisions(session, renderer=ctx.renderer, links=ctx.links, now=ctx.clock.now())
