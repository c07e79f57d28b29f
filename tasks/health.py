"""Partner health's I/O steps: the anonymous survey's rounds and reminders."""

from __future__ import annotations

from dataclasses import dataclass

from prefect import task

from partnerflow.context import context
from partnerflow.db import session_scope
from partnerflow.health.survey import open_round, remind
from tasks.settings import SWEEP


@dataclass(frozen=True)
class SurveyOpened:
    label: str
    invited: int  # 0 when the round was already open


@task(name="open-survey-round", **SWEEP)
def open_survey_round(label: str) -> SurveyOpened:
    """Open the round ``label`` and queue each partner contact's invitation (once per round)."""
    ctx = context()
    policy = ctx.policy("partner_health", ctx.clock.today())
    with session_scope() as session:
        opened = open_round(
            session,
            label=label,
            now=ctx.clock.now(),
            settings=policy.document.survey,
            policy_version=policy.version,
            renderer=ctx.renderer,
            links=ctx.links,
        )
        return SurveyOpened(label, opened.invited)


@task(name="remind-survey", **SWEEP)
def remind_survey() -> int:
    """One reminder to each contact who has not answered an open round past its reminder day."""
    ctx = context()
    with session_scope() as session:
        return remind(session, now=ctx.clock.now(), renderer=ctx.renderer, links=ctx.links)
