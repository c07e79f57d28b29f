"""The anonymous partner survey: one personal link per contact, answered once, counted in groups,
shown only for groups big enough, and no stored answer that leads back to a partner."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, inspect
from sqlmodel import Session, select

from partnerflow.health.survey import (
    CAUSE_QUESTIONS,
    GroupResult,
    NotAnswered,
    answer,
    latest_round,
    open_round,
    remind,
    results,
    with_complements_hidden,
)
from partnerflow.models import (
    AuditEvent,
    ContactRole,
    Notification,
    PartnerContact,
    PartnerTier,
    SurveyComment,
    SurveyInvitation,
    SurveyTally,
    Territory,
)
from partnerflow.policy.kinds.partner_health import SurveySettings
from tests.factories import LINKS, RENDERER, WRITTEN_AT, add_partner, delivered_text

OPENED = datetime(2026, 10, 1, 8, tzinfo=UTC)
CLOSED = OPENED + timedelta(days=21)  # SETTINGS.open_days
SETTINGS = SurveySettings(min_group=3, open_days=21, remind_after_days=7)


def network(engine: Engine) -> None:
    """Four gold partners in Rhône (Auvergne-Rhône-Alpes), one silver in Paris (the only one of
    its tier and région: it must count as 'other'), one of them with two contacts."""
    with Session(engine) as session:
        for number in range(4):
            partner = add_partner(session, name=f"Or {number}", territory="69", email=f"or{number}@p.example")
            partner.tier = PartnerTier.GOLD
            if number == 0:
                partner.contacts.append(
                    PartnerContact(email="ventes@or0.example", role=ContactRole.SALES, created_at=WRITTEN_AT)
                )
            session.add(partner)
        lone = add_partner(session, name="Argent", territory="75", email="argent@p.example")
        lone.tier = PartnerTier.SILVER
        session.add(lone)
        session.get_one(Territory, "69").region = "Auvergne-Rhône-Alpes"
        session.get_one(Territory, "75").region = "Île-de-France"
        session.commit()


def opened(engine: Engine) -> dict[str, str]:
    """Open 2026-Q4; each contact's link token by e-mail address."""
    with Session(engine) as session:
        result = open_round(
            session,
            label="2026-Q4",
            now=OPENED,
            settings=SETTINGS,
            policy_version="2026-01-01",
            renderer=RENDERER,
        )
        session.commit()
        assert result.invited == 6
        return {
            invitation.email: LINKS.survey(invitation.id or 0).rsplit("/", 1)[1]
            for invitation in session.exec(select(SurveyInvitation))
        }


def scores(value: int, recommendation: int, comment: str = "") -> dict[str, str]:
    return {
        **dict.fromkeys(CAUSE_QUESTIONS, str(value)),
        "recommendation": str(recommendation),
        "comment": comment,
    }


def answered(
    engine: Engine, token: str, given: dict[str, str], at: datetime = OPENED + timedelta(days=2)
) -> Any:
    with Session(engine) as session:
        result = answer(session, LINKS.keys, token, given, at)
        session.commit()
        return result


@pytest.fixture(params=["sqlite", "postgresql"])
def survey_engine(request: pytest.FixtureRequest) -> Engine:
    engine: Engine = request.getfixturevalue("engine" if request.param == "sqlite" else "postgres_engine")
    network(engine)
    return engine


def test_opening_invites_every_contact_once_with_a_personal_link(survey_engine: Engine) -> None:
    tokens = opened(survey_engine)
    with Session(survey_engine) as session:
        mails = session.exec(select(Notification).where(Notification.template == "survey_invitation")).all()
        again = open_round(
            session,
            label="2026-Q4",
            now=OPENED + timedelta(hours=1),
            settings=SETTINGS,
            policy_version="2026-01-01",
            renderer=RENDERER,
        )
        groups = {(i.email, i.tier_group, i.region_group) for i in session.exec(select(SurveyInvitation))}
    assert again.invited == 0, "a round opens once"
    assert sorted(mail.recipient for mail in mails) == sorted(tokens)
    assert all(tokens[mail.recipient] in delivered_text(mail) for mail in mails), (
        "each mail holds its own link"
    )
    assert ("argent@p.example", "other", "other") in groups, "a tier or région of one is 'other'"
    assert ("or1@p.example", "gold", "Auvergne-Rhône-Alpes") in groups


def test_a_link_answers_once_and_only_while_the_round_is_open(survey_engine: Engine) -> None:
    tokens = opened(survey_engine)
    first = answered(survey_engine, tokens["or1@p.example"], scores(4, 9))
    again = answered(survey_engine, tokens["or1@p.example"], scores(1, 0))
    late = answered(survey_engine, tokens["or2@p.example"], scores(3, 7), at=OPENED + timedelta(days=21))
    forged = answered(survey_engine, tokens["or2@p.example"][:-2] + "xx", scores(3, 7))
    incomplete = answered(survey_engine, tokens["or3@p.example"], {**scores(3, 7), "training": "6"})

    assert first.round_label == "2026-Q4"
    assert [r.reason for r in (again, late, forged, incomplete)] == [
        "already-answered",
        "closed",
        "invalid",
        "incomplete",
    ]
    assert isinstance(incomplete, NotAnswered) and "training" in incomplete.detail
    with Session(survey_engine) as session:
        counted = session.exec(
            select(SurveyTally).where(
                SurveyTally.dimension == "all", SurveyTally.question == "recommendation"
            )
        ).all()
    assert {tally.value: tally.count for tally in counted if tally.count} == {9: 1}, (
        "one answer, counted once"
    )


def test_results_are_shown_only_for_groups_of_enough_answers(survey_engine: Engine) -> None:
    tokens = opened(survey_engine)
    for email, (value, recommendation) in {
        "or0@p.example": (5, 10),
        "ventes@or0.example": (4, 9),
        "or1@p.example": (2, 3),
        "argent@p.example": (3, 8),
    }.items():
        answered(survey_engine, tokens[email], scores(value, recommendation, comment=f"avis {value}"))

    with Session(survey_engine) as session:
        overall = results(session, "2026-Q4", now=CLOSED)
        by_tier = results(session, "2026-Q4", by="tier", now=CLOSED)
    assert overall is not None and by_tier is not None
    [everyone] = overall.groups
    assert (overall.invited, overall.answered, everyone.answers, everyone.shown) == (6, 4, 4, True)
    assert everyone.averages["training"] == pytest.approx((5 + 4 + 2 + 3) / 4)
    assert everyone.net_promoter == pytest.approx(100 * (2 - 1) / 4)  # two promoters, one detractor
    assert sorted(overall.comments) == ["avis 2", "avis 3", "avis 4", "avis 5"]
    tiers = {group.group: group for group in by_tier.groups}
    assert (tiers["other"].answers, tiers["other"].shown, tiers["other"].averages) == (1, False, {})
    assert (tiers["gold"].answers, tiers["gold"].shown, tiers["gold"].averages) == (3, False, {}), (
        "shown, gold would give the hidden group's scores: the programme's minus gold's"
    )


def test_results_wait_for_the_round_to_close(survey_engine: Engine) -> None:
    """Read just before and just after one partner answers, results gave that partner's scores."""
    tokens = opened(survey_engine)
    for email in ("or0@p.example", "ventes@or0.example", "or1@p.example"):
        answered(survey_engine, tokens[email], scores(4, 9, comment="avis"))
    with Session(survey_engine) as session:
        while_open = results(session, "2026-Q4", now=CLOSED - timedelta(seconds=1))
        closed = results(session, "2026-Q4", now=CLOSED)
        latest_closed = latest_round(session, closed_by=CLOSED - timedelta(seconds=1))
    assert while_open is not None and closed is not None
    assert (while_open.answered, while_open.groups, while_open.comments) == (3, [], [])
    assert while_open.open_until == CLOSED and closed.open_until is None
    assert [group.answers for group in closed.groups] == [3] and closed.comments == ["avis"] * 3
    assert latest_closed is None, "the health report reads only closed rounds"


def test_no_hidden_group_can_be_derived_from_the_shown_ones_and_the_total() -> None:
    """Complementary suppression, on the groups of one dimension (the total is shown apart)."""

    def group(name: str, answers: int, min_group: int = 5) -> GroupResult:
        return GroupResult(name, answers, shown=answers >= min_group, averages={"training": 4.0})

    groups = [group("gold", 12), group("silver", 6), group("platinum", 9), group("other", 2)]
    shown = {g.group: g.shown for g in with_complements_hidden(groups, 5)}
    assert shown == {"gold": True, "silver": False, "platinum": True, "other": False}, (
        "the smallest shown group hides with the lone hidden one: 2 + 6 answers behind the difference"
    )
    no_answers_hidden = [group("gold", 12), group("silver", 6), group("other", 0)]
    assert all(g.shown for g in with_complements_hidden(no_answers_hidden, 5)[:2]), "0 answers reveal nothing"
    enough_hidden = [group("gold", 12), group("a", 3), group("b", 4)]
    assert [g.shown for g in with_complements_hidden(enough_hidden, 5)] == [True, False, False]


def test_one_reminder_goes_to_who_has_not_answered_after_the_reminder_day(survey_engine: Engine) -> None:
    tokens = opened(survey_engine)
    answered(survey_engine, tokens["or1@p.example"], scores(4, 9))
    with Session(survey_engine) as session:
        too_early = remind(session, now=OPENED + timedelta(days=6), renderer=RENDERER)
        due = remind(session, now=OPENED + timedelta(days=7, hours=1), renderer=RENDERER)
        twice = remind(session, now=OPENED + timedelta(days=8), renderer=RENDERER)
        session.commit()
        reminders = session.exec(
            select(Notification).where(Notification.dedupe_key.startswith("survey-reminder"))
        ).all()  # type: ignore[attr-defined]
    assert (too_early, due, twice) == (0, 5, 0)
    assert "or1@p.example" not in {mail.recipient for mail in reminders}
    assert all(tokens[mail.recipient] in delivered_text(mail) for mail in reminders), "the same personal link"


def test_nothing_stored_with_an_answer_leads_back_to_a_partner(survey_engine: Engine) -> None:
    """The tables that hold answers reference nothing but the round, hold no time, and after
    real answers contain no value that identifies an invitation, a partner or a contact."""
    tokens = opened(survey_engine)
    for email in ("or0@p.example", "or2@p.example", "argent@p.example"):
        answered(survey_engine, tokens[email], scores(4, 8, comment="Le support est lent."))

    for table in (SurveyTally.__table__, SurveyComment.__table__):  # type: ignore[attr-defined]
        targets = {key.column.table.name for column in table.columns for key in column.foreign_keys}
        assert targets == {"surveyround"}, f"{table.name} references {targets}"
        kinds = {type(column.type).__name__ for column in table.columns}
        assert not kinds & {"DateTime", "UTCDateTime", "Date"}, f"{table.name} stores a time"
    columns = {column["name"] for column in inspect(survey_engine).get_columns("surveytally")}
    assert columns == {"round_id", "dimension", "grp", "question", "value", "count"}

    with Session(survey_engine) as session:
        invitations = session.exec(select(SurveyInvitation)).all()
        identifying = {str(i.id) for i in invitations} | {str(i.partner_id) for i in invitations}
        identifying |= {i.email for i in invitations} | set(tokens.values())
        stored = [
            str(value)
            for row in (*session.exec(select(SurveyTally)).all(), *session.exec(select(SurveyComment)).all())
            for name, value in row.model_dump().items()
            if name not in ("round_id", "value", "count")  # small numbers every answer shares
        ]
    assert not identifying & set(stored)


def test_the_command_shows_results_and_hides_small_groups(engine: Engine) -> None:
    import json

    from typer.testing import CliRunner

    from partnerflow.cli import app

    network(engine)
    tokens = opened(engine)
    for email in ("or0@p.example", "or1@p.example", "or2@p.example"):
        answered(engine, tokens[email], scores(4, 10, comment="Très bon programme."))
    table = CliRunner().invoke(app, ["survey", "results", "--by", "tier"])
    as_json = CliRunner().invoke(app, ["survey", "results", "--round", "2026-Q4", "--json"])
    missing = CliRunner().invoke(app, ["survey", "results", "--round", "1999-Q1"])

    assert table.exit_code == 0, table.output
    assert "3 answers of 6 invited" in table.output and "Très bon programme." in table.output
    assert "other" in table.output and "—" in table.output
    assert json.loads(as_json.output)["groups"][0]["net_promoter"] == 100.0
    assert missing.exit_code == 1 and "no survey round 1999-Q1" in missing.output


def test_an_open_round_says_when_it_closes_and_an_operator_may_close_it_early(
    engine: Engine, programme_clock: Callable[[datetime], None]
) -> None:
    from typer.testing import CliRunner

    from partnerflow.cli import app

    network(engine)
    tokens = opened(engine)
    for email in ("or0@p.example", "or1@p.example", "or2@p.example"):
        answered(engine, tokens[email], scores(4, 10, comment="Très bon programme."))
    programme_clock(OPENED + timedelta(days=2))

    while_open = CliRunner().invoke(app, ["survey", "results", "--round", "2026-Q4"])
    closing = CliRunner().invoke(app, ["survey", "close", "--round", "2026-Q4"])
    after = CliRunner().invoke(app, ["survey", "results", "--round", "2026-Q4"])
    late = answered(engine, tokens["argent@p.example"], scores(3, 7), at=OPENED + timedelta(days=2, hours=1))

    assert while_open.exit_code == 0 and "open until 2026-10-22" in while_open.output
    assert "3 answers of 6 invited so far" in while_open.output and "Très bon" not in while_open.output
    assert closing.exit_code == 0 and after.exit_code == 0 and "Très bon programme." in after.output
    assert isinstance(late, NotAnswered) and late.reason == "closed"
    with Session(engine) as session:
        assert session.exec(select(AuditEvent).where(AuditEvent.action == "survey.closed-early")).one()
