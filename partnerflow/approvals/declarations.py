"""Every kind of decision, declared by the process it belongs to (its ``decisions.py``).

A declaration says everything a person and the machinery need: the answers (one button each,
one choice on the Prefect form, one value on the CLI), what people call it in each locale, the
extra fields a role fills in and how they are read, the clock that chases it, and ``apply``,
which turns the answers recorded so far into the process's state. The approval page, the inbox,
the digest, the Prefect form, the CLI, the decision clock and the one task that takes an answer
all read it from here, so adding a decision is one declaration and its ``apply`` (before, about
six files in four layers). A process package imports its ``decisions`` module in its
``__init__``; ``partnerflow.processes.load_processes`` imports every process, which the
Context does once per process.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import Session

from partnerflow.approvals.keys import Keys
from partnerflow.approvals.links import Links
from partnerflow.models import Role
from partnerflow.notify import TemplateRenderer
from partnerflow.policy import Policy

DetailsReader = Callable[[dict[str, Any]], dict[str, Any]]
"""Turns a form's extra fields into an answer's details, or raises ValueError to refuse them."""
PolicyLoader = Callable[[str, date], Policy[Any]]
"""The Context's ``policy(kind, as_of)``: the one way the product loads a policy."""


@dataclass(frozen=True)
class DecisionClock:
    """How an unanswered decision is chased (``partnerflow.approvals.deadlines``): everyone asked
    who has not answered gets their link again every ``remind_every``, valid ``links_last`` more;
    after ``escalate_after`` the ``escalate_to`` role is told, once, who has not answered, to
    chase them (they are not handed the decision: it stays with the role the process asked)."""

    remind_every: timedelta
    escalate_after: timedelta
    escalate_to: Role | None
    links_last: timedelta = timedelta(days=14)


MONEY_PACE = DecisionClock(timedelta(days=1), timedelta(days=3), Role.PROGRAMME_OWNER)
"""Money waits a day between reminders; the programme owner hears of it after three."""
CHANNEL_PACE = DecisionClock(timedelta(days=2), timedelta(days=5), Role.CHANNEL_DIRECTOR)
"""The channel team's decisions: reminded every two days, the channel director told after five."""


@dataclass(frozen=True)
class DecisionOutcome:
    """Where a decision stands after its answers were applied: ``done`` ends the run's rounds;
    ``message`` is what the last submitter reads (why refused, or "1 of 2 approvals"); ``wake``
    names other runs waiting on the same subject that must look again (a campaign's other roles
    once it is decided)."""

    done: bool
    status: str
    message: str
    wake: tuple[str, ...] = ()


@dataclass(frozen=True)
class Applying:
    """What applying the answers to one subject may use, handed over by the one task that takes
    answers (or a test): the transaction, the keys that check each answer's seal, the renderer
    for the e-mails it sends, the policy loader, the clock's ``now``, and the run that asked."""

    session: Session
    keys: Keys
    renderer: TemplateRenderer
    policy: PolicyLoader
    now: datetime
    flow_run_id: str = ""


@dataclass(frozen=True)
class Asking:
    """What a process's use case may use to put a decision to people (open a settlement, a
    month's health review, a year's rebalancing, the pilot's end): the transaction, the links
    and the renderer for the invitations, the policy loader, where the reports the summary links
    to are written, the clock's ``now`` and the run that will wait for the answers. Built by the
    Context, so a task and a command run the same use case."""

    session: Session
    links: Links
    renderer: TemplateRenderer
    policy: PolicyLoader
    reports_dir: Path
    now: datetime
    flow_run_id: str = ""


Applier = Callable[[Applying, int], DecisionOutcome]
"""A process's ``apply(at, subject_id)``: applies every recorded, unapplied answer once."""
DetailsReaderFor = Callable[[Session, int], DetailsReader]
"""Builds the reader of a subject's extra fields (it may need the subject: which items exist)."""


@dataclass(frozen=True)
class DecisionKind:
    """One kind of decision, as its process declares it (see the module's docstring).

    ``fields`` maps a role to the extra fields the approval page asks that role for (the Prefect
    form declares the same fields, with per-item choices the page cannot show);
    ``read_details`` reads them for both; ``answer_fields``, when given, says which of them each
    answer takes, all required (offering a lead needs the reseller, closing it the reason; a
    field another answer takes is refused rather than stored beside one it means nothing to);
    ``words`` names, per locale, the answers and fields the
    page's common words (approve, reject) do not; ``template`` is the invitation e-mail that
    ``invite_role`` sends (the generic one shows the request's summary; a registration review's
    e-mails are a family named by event, ``review_requested`` first, sent with its own SLA's
    reminders); ``clock`` None means the process's policy keeps its own clock (registration and
    campaign SLAs)."""

    name: str
    answers: tuple[str, ...]
    names: Mapping[str, str]
    apply: Applier
    clock: DecisionClock | None
    help: str = ""
    fields: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    read_details: DetailsReaderFor | None = None
    answer_fields: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    words: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    template: str = "decision_requested"

    def __post_init__(self) -> None:
        if not self.answers or set(self.names) != {"en", "fr"}:
            raise ValueError(f"decision {self.name!r}: answers and an English and French name are required")
        if not set(self.answer_fields) <= set(self.answers):
            raise ValueError(f"decision {self.name!r}: answer_fields names an answer it does not have")


_DECLARED: dict[str, DecisionKind] = {}


def declare(kind: DecisionKind) -> DecisionKind:
    """Make ``kind`` known to every surface. The same declaration loaded again (its module
    imported under a second name, as Prefect loads a flow file by path) replaces the first; a
    different kind of the same name is a programming error (two processes would answer each
    other's links)."""
    known = _DECLARED.get(kind.name)
    if known is not None and (known.apply.__qualname__, known.answers) != (
        kind.apply.__qualname__,
        kind.answers,
    ):
        raise ValueError(f"decision kind {kind.name!r} is declared twice")
    _DECLARED[kind.name] = kind
    return kind


def withdraw(name: str) -> None:
    """Forget a declaration (a test's toy decision, once the test is over)."""
    _DECLARED.pop(name, None)


def decision_kind(name: str) -> DecisionKind:
    """The declaration of ``name``; an undeclared kind is a programming error, named loudly."""
    kind = _DECLARED.get(name)
    if kind is None:
        known = ", ".join(sorted(_DECLARED)) or "none: were the processes loaded?"
        raise LookupError(f"no decision kind {name!r} is declared (declared: {known})")
    return kind


def declared_kinds() -> dict[str, DecisionKind]:
    """Every declared kind, by name, in declaration order."""
    return dict(_DECLARED)


def subject_label(locale: str, kind: str, subject_id: object) -> str:
    """A subject as a person reads it in a message: "Enregistrement d'affaire 13"."""
    declared = _DECLARED.get(kind)
    names = declared.names if declared is not None else {}
    return f"{names.get(locale) or names.get('fr', kind)} {subject_id}"


def subject_names_for(locale: str) -> dict[str, str]:
    """Kind -> what people of ``locale`` call it (the inbox's headings)."""
    return {name: kind.names.get(locale) or kind.names["fr"] for name, kind in _DECLARED.items()}
