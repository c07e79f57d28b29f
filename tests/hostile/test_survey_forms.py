"""Hostile input to the survey page, served for real: forged links, scores out of scale or in odd
digits, poisoned comments, foreign bodies. Every answer is a page with a clear status (never a
500), nothing is counted, and the contact can still answer properly afterwards."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from partnerflow.health.survey import CAUSE_QUESTIONS
from partnerflow.models import SurveyComment, SurveyInvitation, SurveyTally
from tests.hostile.test_web_forms import answered_clearly
from tests.web.test_survey_page import full_answer, survey_links

LINKS: dict[str, str] = {
    "a token of 10,000 characters": "/survey/" + "A" * 10_000,
    "a NUL in the token": "/survey/abc%00def",
    "path traversal": "/survey/..%2F..%2Fetc%2Fpasswd",
    "an approval link's token": "/survey/WzEsMiwzXQ.AAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "a forged invitation number": "/survey/OTk5.AAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "no token": "/survey/",
    "an exit link of 10,000 characters": "/exit/" + "A" * 10_000,
    "a forged exit link": "/exit/MQ.AAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "an exit link with a NUL": "/exit/abc%00def",
}
ANSWERS: dict[str, dict[str, Any] | bytes] = {
    "nothing": {},
    "a score of 6": {**full_answer(), "training": "6"},
    "a score of 0": {**full_answer(), "complexity": "0"},
    "a negative score": {**full_answer(), "complexity": "-1"},
    "a score of 10^30": {**full_answer(), "communication": "1" + "0" * 30},
    "a superscript digit": {**full_answer(), "training": "²"},
    "an Arabic-Indic digit": {**full_answer(), "training": "٣"},
    "a fraction": {**full_answer(), "training": "3.5"},
    "a recommendation of 11": {**full_answer(), "recommendation": "11"},
    "a recommendation as words": {**full_answer(), "recommendation": "ten"},
    "a comment of 3,000 characters": {**full_answer(), "comment": "x" * 3_000},
    "a comment with escape sequences": {**full_answer(), "comment": "\x1b[2J\x1b[31mbad"},
    "a comment with a NUL": {**full_answer(), "comment": "bad\x00"},
    "a score twice": {**full_answer(), "training": ["4", "5"]},
    "an invalid UTF-8 comment": b"comment=%ED%A0%80",
}


def counted(engine: Engine) -> tuple[int, int, int]:
    with Session(engine) as session:
        tallies = session.exec(select(func.coalesce(func.sum(SurveyTally.count), 0))).one()
        comments = session.exec(select(func.count()).select_from(SurveyComment)).one()
        answered = session.exec(
            select(func.count()).select_from(SurveyInvitation).where(SurveyInvitation.answered)
        ).one()
        return int(tallies), int(comments), int(answered)


def test_the_corpus_covers_every_question() -> None:
    assert len(LINKS) * 2 + len(ANSWERS) >= 25
    assert {"training", "complexity", "communication", "recommendation"} <= {
        key for answer in ANSWERS.values() if isinstance(answer, dict) for key in answer
    } and set(CAUSE_QUESTIONS) <= set(full_answer())


@pytest.mark.parametrize("name", list(LINKS))
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_forged_link_gets_a_clear_page(
    name: str, method: str, client: httpx.Client, engine: Engine
) -> None:
    survey_links(engine)
    started = time.monotonic()
    response = client.request(method, LINKS[name], data=full_answer() if method == "POST" else None)
    answered_clearly(response, started)
    assert counted(engine) == (0, 0, 0)


@pytest.mark.parametrize("name", list(ANSWERS))
def test_a_hostile_answer_counts_nothing_and_the_link_still_works(
    name: str, client: httpx.Client, engine: Engine
) -> None:
    path = survey_links(engine)["brook@p.example"]
    given = ANSWERS[name]
    started = time.monotonic()
    if isinstance(given, bytes):
        response = client.post(
            path, content=given, headers={"content-type": "application/x-www-form-urlencoded"}
        )
    else:
        response = client.post(path, data=given)
    answered_clearly(response, started)
    assert counted(engine) == (0, 0, 0)
    assert client.post(path, data=full_answer()).status_code == 200, "the contact can still answer"
    assert counted(engine)[2] == 1
