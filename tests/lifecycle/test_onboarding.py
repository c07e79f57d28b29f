"""A partner's training path by e-mail: welcome, training invitation and 90-day check-in for new
partners, one reminder per threshold before a certification lapses; each notice once, a missed
day caught up, and partners who joined long ago left alone."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Engine
from sqlmodel import Session, select

from partnerflow.lifecycle.onboarding import TrainingNotices, queue_training_notices
from partnerflow.models import Notification, Role, TrainingKind, TrainingRecord
from partnerflow.policy.kinds.partner_health import TrainingSettings
from tests.factories import POLICY, RENDERER, WRITTEN_AT, add_partner, add_person

SETTINGS = TrainingSettings(
    certification_reminders_days_before=[60, 14],
    training_invitation_after_days=7,
    check_in_after_days=90,
    catch_up_days=30,
)
JOINED = date(2026, 9, 1)


def setup(engine: Engine) -> dict[str, int]:
    with Session(engine) as session:
        add_person(session, "manager@vendor.example", Role.CHANNEL_MANAGER)
        new = add_partner(session, name="Neuf SAS", email="neuf@p.example")
        new.joined_on = JOINED
        old = add_partner(session, name="Ancien SAS", email="ancien@p.example")
        old.joined_on = date(2019, 5, 1)
        session.add_all([new, old])
        session.add(
            TrainingRecord(
                recorded_at=WRITTEN_AT,
                partner_id=old.id or 0,
                course="Réseau Pro",
                kind=TrainingKind.CERTIFICATION,
                completed_on=date(2024, 12, 20),
                expires_on=date(2026, 12, 20),
            )
        )
        session.commit()
        return {"new": new.id or 0, "old": old.id or 0}


def day(engine: Engine, today: date) -> TrainingNotices:
    with Session(engine) as session:
        queued = queue_training_notices(
            session, today=today, settings=SETTINGS, deal_policy=POLICY, renderer=RENDERER
        )
        session.commit()
        return queued


def mailed(engine: Engine) -> list[tuple[str, str]]:
    with Session(engine) as session:
        rows = session.exec(select(Notification).order_by(Notification.id)).all()  # type: ignore[arg-type]
        return [(row.template, row.recipient) for row in rows]


def test_a_new_partner_is_welcomed_invited_to_training_and_checked_on(engine: Engine) -> None:
    setup(engine)
    first = day(engine, JOINED)
    same_day = day(engine, JOINED)
    week = day(engine, JOINED + timedelta(days=7))
    quarter = day(engine, JOINED + timedelta(days=90))

    assert (first.welcomes, same_day.welcomes, week.invitations, quarter.check_ins) == (1, 0, 1, 1)
    assert [m for m in mailed(engine) if m[1] == "neuf@p.example"] == [
        ("partner_welcome", "neuf@p.example"),
        ("onboarding_training", "neuf@p.example"),
        ("onboarding_check_in", "neuf@p.example"),
    ]
    assert not [m for m in mailed(engine) if m[1] == "ancien@p.example" and m[0] != "certification_reminder"]


def test_a_missed_day_is_caught_up_but_a_step_far_behind_is_skipped(engine: Engine) -> None:
    setup(engine)
    late = day(engine, JOINED + timedelta(days=20))  # the schedule was down for three weeks
    assert (late.welcomes, late.invitations, late.check_ins) == (1, 1, 0)
    too_late = day(engine, JOINED + timedelta(days=90 + 30))
    assert too_late.check_ins == 0


def test_one_reminder_per_threshold_and_only_the_nearest_after_a_gap(engine: Engine) -> None:
    setup(engine)
    counts = [
        day(engine, date(2026, 12, 20) - timedelta(days=before)).certification_reminders
        for before in (61, 60, 59, 14, 13, 0)
    ]
    assert counts == [0, 1, 0, 1, 0, 0]
    reminders = [m for m in mailed(engine) if m[0] == "certification_reminder"]
    assert reminders == [("certification_reminder", "ancien@p.example")] * 2


def test_after_a_gap_only_the_nearest_threshold_is_sent(engine: Engine) -> None:
    setup(engine)
    assert day(engine, date(2026, 12, 20) - timedelta(days=10)).certification_reminders == 1
    assert day(engine, date(2026, 12, 20) - timedelta(days=9)).certification_reminders == 0
