"""The anonymous partner survey: a round a quarter, then one reminder (see partnerflow.health.survey)."""

from typing import Annotated

from prefect import flow

from flows.parameters import LeftEmpty, QuarterLabel
from flows.results import FlowResult, Mail
from flows.runners import bounded_threads
from partnerflow.context import context
from partnerflow.health.survey import opens_by_itself, quarter_of
from tasks.health import SurveyOpened, invite_leaving_partners, open_survey_round, remind_survey
from tasks.notifications import send_pending_notifications


class SurveyDay(FlowResult):
    """A survey day: the round opened (if today opened one), the contacts reminded, the leavers
    asked why, and the mail that sent."""

    opened: SurveyOpened | None
    reminded: int
    exit_surveys: int
    mail: Mail


@flow(name="partner-survey", flow_run_name="partner-survey", task_runner=bounded_threads())
def partner_survey(quarter: Annotated[QuarterLabel | None, LeftEmpty] = None) -> SurveyDay:
    """Daily: in a quarter's first week, open its round (each active partner contact gets a
    personal link to the anonymous survey page); every day, remind once who has not answered,
    and ask the partners who left (paused or removed) why, on the exit survey.

    Args:
        quarter: open this quarter's round now (``2026-Q4``), whatever the day; empty: the
            current quarter's, in its first week only.
    """
    today = context().clock.today()
    opened = None
    if quarter is not None or opens_by_itself(today):
        opened = open_survey_round(quarter or quarter_of(today))
    reminded = remind_survey()
    leavers = invite_leaving_partners()
    sent = send_pending_notifications()
    return SurveyDay(opened=opened, reminded=reminded, exit_surveys=leavers, mail=Mail.of(sent))
