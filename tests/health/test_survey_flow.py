"""The partner-survey run on a real Prefect server, day after day: the quarter's round opens in its
first week (or by hand), every contact is mailed once, then reminded once if they do not answer."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from flows.partner_survey import partner_survey
from partnerflow.clock import FixedClock
from partnerflow.context import Context, build_context
from partnerflow.health.survey import CAUSE_QUESTIONS, answer
from partnerflow.models import SurveyInvitation
from partnerflow.notify import MailSink
from partnerflow.settings import Settings
from tasks.health import SurveyOpened
from tests.factories import LINKS, add_partner

pytestmark = [pytest.mark.prefect, pytest.mark.usefixtures("prefect_server")]


@pytest.fixture
def on_day(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> object:
    """Set the programme clock of the flow and its tasks to a given instant."""

    def set_day(instant: datetime) -> None:
        clocked: Context = build_context(settings, FixedClock(instant))
        for module in ("flows.partner_survey", "tasks.health"):
            monkeypatch.setattr(f"{module}.context", lambda: clocked)

    return set_day


def test_a_quarter_is_opened_mailed_and_reminded_once(
    engine: Engine, smtp_server: MailSink, on_day: object
) -> None:
    with Session(engine) as session:
        for name in ("Azur", "Boréal", "Cap"):
            add_partner(session, name=f"{name} SAS", email=f"{name.lower()}@p.example")
        session.commit()
    set_day = on_day
    assert callable(set_day)

    set_day(datetime(2026, 9, 20, 6, tzinfo=UTC))
    mid_quarter = partner_survey()
    set_day(datetime(2026, 10, 2, 6, tzinfo=UTC))
    first_week = partner_survey()
    again = partner_survey()
    with Session(engine) as session:
        azur = session.exec(select(SurveyInvitation).where(SurveyInvitation.email == "azur@p.example")).one()
        given = {**dict.fromkeys(CAUSE_QUESTIONS, "4"), "recommendation": "8"}
        answer(
            session,
            LINKS.keys,
            LINKS.survey(azur.id or 0).rsplit("/", 1)[1],
            given,
            datetime(2026, 10, 3, tzinfo=UTC),
        )
        session.commit()
    set_day(datetime(2026, 10, 10, 6, tzinfo=UTC))
    reminder_day = partner_survey()
    next_day = partner_survey()

    assert mid_quarter.opened is None, "installed mid-quarter: nobody is surveyed that week"
    assert first_week.opened == SurveyOpened("2026-Q4", invited=3) and first_week.mail.sent == 3
    assert again.opened == SurveyOpened("2026-Q4", invited=0)
    assert (reminder_day.opened, reminder_day.reminded, next_day.reminded) == (None, 2, 0)
    subjects = [str(message["Subject"]) for message in smtp_server.messages()]
    assert len([s for s in subjects if s.startswith("Rappel : votre avis")]) == 2 and len(subjects) == 5


def test_by_hand_any_quarter_opens_at_once(engine: Engine, smtp_server: MailSink, on_day: object) -> None:
    with Session(engine) as session:
        add_partner(session, name="Dune SARL", email="dune@p.example", locale="en")
        session.commit()
    assert callable(on_day)
    on_day(datetime(2026, 11, 30, 9, tzinfo=UTC))
    result = partner_survey(quarter="2026-Q4")
    assert result.opened == SurveyOpened("2026-Q4", invited=1)
    [message] = smtp_server.messages()
    assert str(message["Subject"]).startswith("Your view of the partner programme")
