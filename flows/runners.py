"""What the flows share: a bounded task runner, the current run's id, and the rounds of a form
people answer (the programme's clock is ``partnerflow.context``)."""

import itertools
from collections.abc import Callable, Iterator
from typing import Any, Literal

from prefect import suspend_flow_run
from prefect.input import RunInput
from prefect.runtime import flow_run
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner
from pydantic import Field, ValidationError, create_model

from partnerflow.approvals import AnswerFields, DecisionKind, DecisionOutcome, FormAnswer
from partnerflow.markdown import md_text
from partnerflow.orchestration.spent_codes import forget_code
from tasks.decisions import take_decision_answer


def bounded_threads() -> TaskRunner[Any]:
    """A small pool: flows here run few tasks at a time, each working in batches."""
    runner: TaskRunner[Any] = ThreadPoolTaskRunner(max_workers=4)
    return runner


def subject_run_name(prefix: str, parameter: str, default: Callable[[], object]) -> Callable[[], str]:
    """A run name that names its subject, for ``flow_run_name``: ``<prefix>-<parameter>``, or
    ``<prefix>-<default()>`` when the parameter is empty (last month, last year...)."""

    def name() -> str:
        value = flow_run.parameters.get(parameter)
        return f"{prefix}-{value or default()}"

    return name


def current_run_id() -> str:
    """The flow run's id: stored with what it creates, and the link e-mails point to."""
    run_id = flow_run.get_id()
    if run_id is None:
        raise RuntimeError("this must run as a Prefect flow run")
    return run_id


class DecisionRounds:
    """The rounds of a decision form people answer in the UI (or through the approval page, which
    wakes the run): each round suspends the run (no compute held) until something arrives.

    Each round's form repeats the decision's summary, headed by what became of the previous
    submission (why it was refused, or where the decision stands: "1 of 2 approvals"), so whoever
    answered reads it where they answered. Each round has its own pause key (``<key>-1``,
    ``<key>-2``...), so after a resume the run replays the rounds already answered and waits at
    the first unanswered one. Pass the round to the task that takes the answer, cached with
    ``tasks.settings.ANSWER``: a replayed round returns its first result while two identical
    submissions in two rounds both run. The code in an answer is struck from Prefect's copy
    as soon as the run has read it (``partnerflow.orchestration.spent_codes``); a replayed round
    whose copy is gone (the run died between deleting and storing it again) comes back empty:
    its task returns its first result if it ran, else refuses it and the person answers again.
    """

    def __init__(self, form: type[RunInput], key: str, summary: str = "") -> None:
        self.form, self.key, self.summary = form, key, summary
        self.previous = ""

    def __iter__(self) -> Iterator[tuple[int, FormAnswer]]:
        for round_number in itertools.count(1):
            lead = f"**Your previous answer: {md_text(self.previous)}**\n\n" if self.previous else ""
            description = lead + self.summary
            form = self.form.with_initial_data(description=description) if description else self.form
            try:
                answer = suspend_flow_run(wait_for_input=form, key=f"{self.key}-{round_number}")
            except ValidationError:  # a replayed round whose stored answer is gone (see spent_codes)
                yield round_number, FormAnswer()
                continue
            typed = FormAnswer.of(answer)
            forget_code(answer)
            yield round_number, typed

    def answered(self, message: str) -> None:
        """What the last submission came to: it heads the next round's form."""
        self.previous = message


class DecisionFormBase(RunInput, AnswerFields):
    """What every decision's Resume form has: the approver's code and a comment."""


def decision_form(kind: DecisionKind, name: str, doc: str, **fields: Any) -> type[DecisionFormBase]:
    """The operators' Resume form of ``kind``, from its declaration: the decision chosen among
    its answers (preset when there is only one), the approver's code, a comment, and the role's
    own ``fields`` (pydantic's ``(type, Field(...))`` pairs)."""
    answer: Any = Literal[kind.answers]
    chosen = (
        Field(kind.answers[0], description=kind.help)
        if len(kind.answers) == 1
        else Field(description=kind.help)
    )
    return create_model(
        name, __base__=DecisionFormBase, __doc__=doc, __module__=__name__, decision=(answer, chosen), **fields
    )


def wait_for_decision(
    kind: DecisionKind,
    subject_id: int,
    rounds: DecisionRounds,
    after_each: Callable[[DecisionOutcome], object] | None = None,
) -> DecisionOutcome:
    """Suspend for one form per round until ``kind``'s ``apply`` says the decision is done: each
    submission goes through the one ``take-decision-answer`` task; ``after_each`` runs after
    every round (send the e-mails it queued, wake other runs...)."""
    run_id = current_run_id()
    for round_number, answer in rounds:
        outcome = take_decision_answer(kind.name, subject_id, run_id, round_number, answer)
        if after_each is not None:
            after_each(outcome)
        if outcome.done:
            return outcome
        rounds.answered(outcome.message)
    raise AssertionError("unreachable: the rounds never end by themselves")
