"""A page of another site cannot post to the web app: no login CSRF, no cross-site sign-in or out.

Measured before: an attacker's page that auto-posted the attacker's own magic link signed the
victim's browser in as the attacker (seen in Chromium), and cross-site POSTs to /signin and
/signout were accepted.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from partnerflow.models import AuditEvent, Role, SignInLink
from partnerflow.notify import free_port
from tests.factories import add_person
from tests.system.browser import chromium
from tests.web.test_inbox import mailed_sign_in

ATTACKER = "attacker@vendor.example"
EVIL = "http://evil.example"


@pytest.fixture
def attacker(engine: Engine) -> str:
    with Session(engine) as session:
        add_person(session, ATTACKER, Role.CHANNEL_MANAGER)
        session.commit()
    return ATTACKER


def links_asked(engine: Engine) -> int:
    with Session(engine) as session:
        return int(session.exec(select(func.count()).select_from(SignInLink)).one())


@pytest.mark.parametrize(
    "headers",
    [{"Origin": EVIL}, {"Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "same-site", "Origin": EVIL}],
    ids=["origin", "fetch-site", "sibling-site"],
)
def test_a_cross_site_post_is_refused_before_it_is_read(
    client: httpx.Client, engine: Engine, attacker: str, headers: dict[str, str]
) -> None:
    asked = client.post("/signin", data={"email": attacker}, headers=headers)
    out = client.post("/signout", headers=headers)
    assert (asked.status_code, out.status_code) == (403, 403)
    assert links_asked(engine) == 0, "nothing mailed, nothing written"
    with Session(engine) as session:
        refusals = session.exec(select(AuditEvent).where(AuditEvent.action == "approval.refused")).all()
    assert [event.details["reason"].split(" from ")[0] for event in refusals] == [
        "a POST to /signin",
        "a POST to /signout",
    ], "each refusal is audited"


def test_the_apps_own_pages_and_scripts_without_a_browser_still_post(
    client: httpx.Client, engine: Engine, attacker: str
) -> None:
    own = str(client.base_url).rstrip("/")
    assert client.post("/signin", data={"email": attacker}, headers={"Origin": own}).status_code == 200
    same = {"Sec-Fetch-Site": "same-origin"}
    assert client.post("/signin", data={"email": attacker}, headers=same).status_code == 200
    assert client.post("/signin", data={"email": attacker}).status_code == 200
    assert links_asked(engine) == 3


def wait_for_page(browser: object, text: str, timeout: float = 15.0) -> str:
    """The page once ``text`` shows (a click navigates asynchronously), or as it is at the end."""
    deadline = time.monotonic() + timeout
    while text not in (source := browser.page_source) and time.monotonic() < deadline:  # type: ignore[attr-defined]
        time.sleep(0.1)
    return str(source)


@contextmanager
def attacker_site(page: str) -> Iterator[str]:
    """A page served from another origin (another port of 127.0.0.1)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(page.encode())

        def log_message(self, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def test_an_auto_posting_page_cannot_sign_a_victims_browser_in_as_the_attacker(
    client: httpx.Client, engine: Engine, attacker: str
) -> None:
    app = str(client.base_url).rstrip("/")
    client.post("/signin", data={"email": attacker})
    link = mailed_sign_in(engine, attacker)  # the attacker's own, valid, unused link
    page = f'<form method="post" action="{app}{link}"></form><script>document.forms[0].submit()</script>'
    with attacker_site(page) as evil, chromium() as browser:
        browser.get(evil)  # type: ignore[attr-defined]
        posted = wait_for_page(browser, "<h1")  # the app's answer to the auto-post, whatever it is
        browser.get(f"{app}/inbox")  # type: ignore[attr-defined]
        victim_sees = browser.page_source  # type: ignore[attr-defined]
        browser.get(f"{app}{link}")  # type: ignore[attr-defined]  # the link opened as its owner would
        browser.find_element("css selector", "form button").click()  # type: ignore[attr-defined]
        owner_sees = wait_for_page(browser, ATTACKER)
    assert "<h1" in posted, "the attacker's page did post"
    assert 'action="/signin"' in victim_sees and ATTACKER not in victim_sees, "still signed out"
    assert ATTACKER in owner_sees, "the same link works from the app's own page"
