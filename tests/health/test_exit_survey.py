"""The exit survey: a partner that left is asked why once, on the survey page (not anonymous), and
its main reason becomes the exit's cause when nobody recorded one."""

from __future__ import annotations

from datetime import UTC, date, datetime

import httpx
from sqlalchemy import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner

from partnerflow.cli import app
from partnerflow.health.exit_survey import invite_leavers
from partnerflow.health.survey import CAUSE_QUESTIONS
from partnerflow.models import AttritionCause, ExitKind, ExitSource, Notification, PartnerExit
from tests.factories import RENDERER, WRITTEN_AT, add_partner, delivered_text

TODAY = date(2026, 11, 30)


def leavers(engine: Engine) -> dict[str, int]:
    """A reseller paused by the rebalancing (no cause), one removed by its manager (a cause),
    one that left long ago."""
    with Session(engine) as session:
        ids = {}
        for name, left_on, cause in (
            ("Paused", date(2026, 11, 20), None),
            ("Removed", date(2026, 11, 25), AttritionCause.TRAINING),
            ("Long gone", date(2026, 3, 1), None),
        ):
            partner = add_partner(session, name=f"{name} SAS", email=f"{name.split()[0].lower()}@p.example")
            session.add(
                PartnerExit(
                    recorded_at=WRITTEN_AT,
                    partner_id=partner.id or 0,
                    left_on=left_on,
                    kind=ExitKind.PAUSED if cause is None else ExitKind.REMOVED,
                    source=ExitSource.REBALANCING if cause is None else ExitSource.CHANNEL_MANAGER,
                    cause=cause,
                )
            )
            ids[name] = partner.id or 0
        session.commit()
        return ids


def invited(engine: Engine) -> dict[str, str]:
    with Session(engine) as session:
        count = invite_leavers(
            session, today=TODAY, now=datetime(2026, 11, 30, 8, tzinfo=UTC), renderer=RENDERER
        )
        again = invite_leavers(
            session, today=TODAY, now=datetime(2026, 11, 30, 9, tzinfo=UTC), renderer=RENDERER
        )
        session.commit()
        assert (count, again) == (2, 0), "the recent leavers, once"
        mails = session.exec(
            select(Notification).where(Notification.template == "exit_survey_invitation")
        ).all()
        return {mail.recipient: delivered_text(mail).split("/exit/")[1].split()[0] for mail in mails}


def answer(cause: str) -> dict[str, str]:
    return {
        **dict.fromkeys(CAUSE_QUESTIONS, "2"),
        "recommendation": "3",
        "main_cause": cause,
        "comment": "Trop de règles.",
    }


def test_a_leaving_partner_says_why_once_and_gives_its_exit_a_cause(
    client: httpx.Client, engine: Engine
) -> None:
    leavers(engine)
    tokens = invited(engine)
    assert sorted(tokens) == ["paused@p.example", "removed@p.example"]

    page = client.get(f"/exit/{tokens['paused@p.example']}")
    incomplete = client.post(
        f"/exit/{tokens['paused@p.example']}", data={**answer("complexity"), "main_cause": "boredom"}
    )
    done = client.post(f"/exit/{tokens['paused@p.example']}", data=answer("complexity"))
    again = client.post(f"/exit/{tokens['paused@p.example']}", data=answer("training"))
    kept = client.post(f"/exit/{tokens['removed@p.example']}", data=answer("return-on-investment"))
    survey_link_elsewhere = client.get(f"/survey/{tokens['removed@p.example']}")

    assert (
        page.status_code == 200
        and "Pourquoi quittez-vous le programme" in page.text
        and "pas anonyme" in page.text
    )
    assert incomplete.status_code == 422 and done.status_code == 200 and again.status_code == 410
    assert kept.status_code == 200 and survey_link_elsewhere.status_code == 404, (
        "an exit link is no survey link"
    )
    with Session(engine) as session:
        causes = {e.partner_id: e.cause for e in session.exec(select(PartnerExit))}
    assert sorted(str(cause) for cause in causes.values() if cause) == ["complexity", "training"]
    listed = CliRunner().invoke(app, ["health", "exits", "--year", "2026", "--json"])
    assert listed.exit_code == 0 and '"complexity": 1' in listed.output and '"unknown": 1' in listed.output
