"""The outbox against SMTP failures and a sender killed mid-run: nothing lost, nothing failed,
and no more duplicates than the faults after which a sender cannot know (accept-then-drop, kill).

A kill can strike after the server accepted a message and before the sender recorded it: one
such message per SMTP connection in use (``mail_connections``, 2 by default) can go out twice.
"""

from __future__ import annotations

import os

from sqlalchemy import Engine

from partnerflow.settings import Settings
from tests.faults.faulty_smtp import Fault
from tests.faults.scenarios import sender_kills, smtp_down_then_up, smtp_faults


def test_a_server_failing_a_third_of_its_sessions_gets_every_message_and_marks_none_failed(
    engine: Engine, settings: Settings
) -> None:
    result, log = smtp_faults(engine, settings, count=300, seed=13)
    assert sum(log.faults.values()) >= 20, f"too few faults to mean anything: {dict(log.faults)}"
    assert (result.lost, result.failed) == (0, 0)
    assert result.duplicates <= log.faults[Fault.ACCEPTED_THEN_DROPPED]


def test_a_server_down_for_a_whole_run_costs_no_attempt_then_gets_everything_once(
    engine: Engine, settings: Settings
) -> None:
    result, attempts_spent = smtp_down_then_up(engine, settings, count=50)
    assert attempts_spent == 0
    assert (result.delivered_once, result.duplicates, result.lost, result.failed) == (50, 0, 0, 0)


def test_a_sender_killed_while_sending_duplicates_at_most_one_message_per_kill_and_connection(
    engine: Engine, settings: Settings
) -> None:
    environment = {
        **os.environ,
        "PARTNERFLOW_DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "PARTNERFLOW_SMTP_PORT": str(settings.smtp_port),
    }
    result, kills = sender_kills(engine, settings, environment, count=560, kills=4, seed=7)
    assert kills >= 2, "the sender finished before it could be killed: nothing was tested"
    assert (result.lost, result.failed) == (0, 0)
    assert result.duplicates <= kills * settings.mail_connections
