"""The last part of the demo: what a channel manager sees without ever opening Prefect. The
morning digest goes out; the manager asks the inbox page for a sign-in link, opens it from the
e-mail and presses the button (as their browser would), and their inbox lists what waits for
them and what they decided during the demo."""

from __future__ import annotations

import re

import httpx
from sqlmodel import Session, select

from demo.campaign import signer
from demo.mailbox import received
from partnerflow.approvals.inbox import decided_items, open_items
from partnerflow.cli.output import console
from partnerflow.context import context
from partnerflow.db import get_engine
from partnerflow.models import Person, Role
from partnerflow.settings import get_settings

SIGN_IN_LINK = re.compile(r"https?://\S+/signin/[\w.-]+")
REPORT_LINK = re.compile(r'href="(https?://[^"]+/reports/[\w.-]+)"')


def run_inbox_demo() -> None:
    from flows.decisions_digest import decisions_digest

    console.print(f"decisions-digest: {decisions_digest()}")
    manager = signer(Role.CHANNEL_MANAGER)
    inbox_url = f"{get_settings().web_url.rstrip('/')}/inbox"
    with httpx.Client(timeout=30) as browser:
        browser.post(inbox_url.replace("/inbox", "/signin"), data={"email": manager})
        link = _sign_in_link(manager)
        browser.get(link)  # the page shows a button and uses nothing
        page = browser.post(link, follow_redirects=True)
        reports = REPORT_LINK.findall(page.text)
        opened = [browser.get(report) for report in reports[:1]]
    ctx = context()
    now = ctx.clock.now()
    with Session(get_engine()) as session:
        person = session.exec(select(Person).where(Person.email == manager)).one()
        waiting = open_items(session, ctx.links, person.id or 0, now=now)
        decided = decided_items(session, person.id or 0, now=now)
    console.print(
        f"{manager} signed in with the link from their e-mail ({page.status_code}): "
        f"{len(waiting)} decision(s) waiting, {len(decided)} decided in the last 30 days"
    )
    for item in decided[:5]:
        console.print(f"  decided: {item.subject_kind} {item.subject_id}: {item.decision}", markup=False)
    console.print(
        f"  reports listed in the inbox: {len(reports)}; the newest opens through its signed link "
        f"({', '.join(str(response.status_code) for response in opened) or 'none written'})"
    )
    console.print(f"My decisions: {inbox_url} (sign in with a team address, e.g. {manager})")


def _sign_in_link(email: str) -> str:
    mails = received(key_prefix="sign-in:", recipient=email)
    body = mails[0].text if mails else None
    found = SIGN_IN_LINK.search(body or "")
    if found is None:
        raise RuntimeError(f"no sign-in link was mailed to {email}")
    return found.group(0)
