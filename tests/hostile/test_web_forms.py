"""Hostile input to the approval page, served for real: altered and monstrous links, odd
decisions, oversized or poisoned fields, bodies of megabytes. Every answer is a page with a
clear status (never a 500, never a traceback), nothing is recorded but the refusal, and the
server stays small and quick."""

from __future__ import annotations

import resource
import time
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from partnerflow.models import ApprovalAnswer, ApprovalGrant
from partnerflow.settings import Settings
from partnerflow.web.limits import MAX_BODY_BYTES
from tests.web.pages import invite

GET_PATHS: dict[str, str] = {
    "a token of 10,000 characters": "/approve/" + "A" * 10_000,
    "a token of unicode": "/approve/%E2%80%AE%F0%9F%92%A5",
    "an invalid UTF-8 token": "/approve/%ED%A0%80",
    "a NUL in the token": "/approve/abc%00def",
    "path traversal": "/approve/..%2F..%2Fetc%2Fpasswd",
    "SQL in the token": "/approve/'%20OR%201=1--",
    "no token": "/approve/",
    "a token with a dot": "/approve/WzFd.Zm9v",
    "a forged signature": "/approve/WzEsMiwzXQ.AAAAAAAAAAAAAAAAAAAAAAAAAAA",
}
FIELDS: dict[str, dict[str, Any]] = {
    "no decision": {},
    "an odd decision": {"decision": "nuke"},
    "a decision of 1 MB": {"decision": "x" * 1_000_000},
    "a decision in capitals": {"decision": "APPROVE"},
    "a comment of 3,000 characters": {"decision": "approve", "comment": "x" * 3_000},
    "a comment with escape sequences": {"decision": "reject", "comment": "\x1b[2J\x1b[31mno"},
    "a comment with a NUL": {"decision": "reject", "comment": "no\x00way"},
    "a comment with a line separator": {"decision": "reject", "comment": "no\u2028Bcc: x"},
    "the decision twice": {"decision": ["approve", "reject"]},
    "an invalid UTF-8 comment": b"decision=reject&comment=%ED%A0%80",
    "ten thousand fields": {f"field{n}": "x" for n in range(10_000)},
}
IGNORED: dict[str, dict[str, Any]] = {  # what a browser extension may add: the answer stands without it
    "an unknown field": {"decision": "approve", "admin": "true"},
    "a quantity where none is asked": {"decision": "approve", "confirmed_quantity": "1e30"},
}
POST_BODIES: dict[str, tuple[bytes, str]] = {
    "a body of 20 MB": (
        b"decision=approve&comment=" + b"x" * 20_000_000,
        "application/x-www-form-urlencoded",
    ),
    "JSON instead of a form": (b'{"decision": "approve"}', "application/json"),
    "multipart with a 5 MB file": (
        b'--b\r\nContent-Disposition: form-data; name="comment"; filename="a.bin"\r\n\r\n'
        + b"\x00" * 5_000_000
        + b"\r\n--b--\r\n",
        "multipart/form-data; boundary=b",
    ),
    "a truncated multipart body": (
        b"--b\r\nContent-Disposition: form-data; name=",
        "multipart/form-data; boundary=b",
    ),
}


def recorded(engine: Engine) -> tuple[int, int]:
    with Session(engine) as session:
        answers = session.exec(select(func.count()).select_from(ApprovalAnswer)).one()
        used = session.exec(
            select(func.count()).select_from(ApprovalGrant).where(ApprovalGrant.used_at.is_not(None))  # type: ignore[union-attr]
        ).one()
        return answers, used


def answered_clearly(response: httpx.Response, started: float) -> None:
    assert response.status_code in (400, 404, 405, 409, 410, 413, 415, 422), response.status_code
    assert "Traceback" not in response.text and "Internal Server Error" not in response.text
    assert len(response.content) < 100_000, "the page does not echo what it was sent"
    assert time.monotonic() - started < 10


def test_the_corpus_is_large_enough() -> None:
    assert len(GET_PATHS) * 2 + len(FIELDS) + len(IGNORED) + len(POST_BODIES) >= 30


@pytest.mark.parametrize("name", list(GET_PATHS))
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_monstrous_link_gets_a_clear_page(
    name: str, method: str, client: httpx.Client, engine: Engine
) -> None:
    invite(engine)
    started = time.monotonic()
    response = client.request(
        method, GET_PATHS[name], data={"decision": "approve"} if method == "POST" else None
    )
    answered_clearly(response, started)
    assert recorded(engine) == (0, 0)


@pytest.mark.parametrize("name", list(FIELDS))
def test_poisoned_fields_on_a_real_link_are_refused_and_the_link_still_works(
    name: str, client: httpx.Client, engine: Engine
) -> None:
    path = invite(engine)
    fields = FIELDS[name]
    started = time.monotonic()
    if isinstance(fields, bytes):
        response = client.post(
            path, content=fields, headers={"content-type": "application/x-www-form-urlencoded"}
        )
    else:
        response = client.post(path, data=fields)
    answered_clearly(response, started)
    assert recorded(engine) == (0, 0), "nothing recorded, the link not spent"
    assert client.post(path, data={"decision": "approve"}).status_code == 200, "the person can still answer"


@pytest.mark.parametrize("name", list(POST_BODIES))
def test_an_oversized_or_foreign_body_is_refused_without_growing_the_server(
    name: str, client: httpx.Client, engine: Engine
) -> None:
    path = invite(engine)
    body, content_type = POST_BODIES[name]
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()
    response = client.post(path, content=body, headers={"content-type": content_type})
    answered_clearly(response, started)
    if len(body) > MAX_BODY_BYTES:
        assert response.status_code == 413, "refused as it arrives, not read whole"
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mb < 60, f"the server (same process) grew {grown_mb:.0f} MB"
    assert recorded(engine) == (0, 0)


@pytest.mark.parametrize("name", list(IGNORED))
def test_fields_the_page_does_not_ask_for_are_ignored(
    name: str, client: httpx.Client, engine: Engine
) -> None:
    path = invite(engine)
    assert client.post(path, data=IGNORED[name]).status_code == 200
    with Session(engine) as session:
        [answer] = session.exec(select(ApprovalAnswer)).all()
    assert (answer.decision, answer.details) == ("approve", {})


def test_the_body_limit_is_a_setting(settings: Settings, engine: Engine) -> None:
    """A smaller ceiling set by the operator is the one the page applies."""
    from partnerflow.context import build_context
    from partnerflow.notify import free_port
    from partnerflow.web import create_app
    from partnerflow.web.server import web_in_thread

    small = settings.model_copy(update={"web_max_body_kb": 1})
    path = invite(engine)
    with (
        web_in_thread(
            create_app(build_context(small), wake=lambda _run, _values: True), "127.0.0.1", free_port()
        ) as url,
        httpx.Client(base_url=url) as client,
    ):
        assert client.post(path, data={"decision": "approve", "comment": "x" * 1500}).status_code == 413
        assert client.post(path, data={"decision": "approve", "comment": "ok"}).status_code == 200
