"""The partner portal in the demo: a trusted partner's salesperson asks for a sign-in link, opens
it from the e-mail and presses the button (as a browser would), registers a deal through the
portal's form and reads the decision; after the settlement, the same partner downloads its
statement as CSV."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import httpx
from sqlmodel import col, select

from demo.deals import pick_cast
from demo.mailbox import received
from partnerflow.cli.output import console
from partnerflow.context import context
from partnerflow.db import session_scope
from partnerflow.models import Partner, Statement

PORTAL_LINK = re.compile(r"https?://\S+/portal/signin/[\w.-]+")
STATUS = re.compile(r'id="status">([^<]*)<')
REASON = re.compile(r'id="reason">([^<]*)<')


@contextmanager
def signed_in_portal(email: str) -> Iterator[httpx.Client]:
    """A client signed in to the portal as ``email``, from the link its e-mail carries."""
    base = context().settings.web_url.rstrip("/")
    with httpx.Client(base_url=base, timeout=30) as client:
        client.post("/portal/signin", data={"email": email})
        mails = received(key_prefix="sign-in:", recipient=email)
        found = PORTAL_LINK.search(mails[0].text if mails else "")
        if found is None:
            raise RuntimeError(f"no portal sign-in link was mailed to {email}")
        client.get(found.group(0))  # the page shows a button and uses nothing
        client.post(found.group(0), follow_redirects=True)
        yield client


def run_portal_demo() -> None:
    """Register a deal as the partner's salesperson does, in the portal."""
    ctx = context()
    partner = pick_cast().trusted
    form = {
        "customer_name": "Imprimerie des Canuts SAS",
        "customer_email": "direction@imprimerie-canuts.fr",
        "customer_departement": partner.territory_code,
        "product_lines": "network",
        "amount": "9800",
        "expected_close_on": (ctx.clock.today() + timedelta(days=45)).isoformat(),
        "external_id": "PORTAL-DEMO-1",
    }
    with signed_in_portal(partner.primary_email) as portal:
        page = portal.post("/portal/registrations/new", data=form, follow_redirects=True)
    status, reason = STATUS.search(page.text), REASON.search(page.text)
    console.print(
        f"{partner.primary_email} signed in to the portal from the e-mail and registered a deal: "
        f"{page.url.path} ({page.status_code}) {status.group(1) if status else '?'}"
        f"{' · ' + reason.group(1) if reason and reason.group(1) else ''}",
        markup=False,
    )
    console.print(f"Partner portal: {ctx.settings.web_url}/portal (sign in with a partner contact's address)")


def download_a_statement() -> None:
    """After the settlement: a paid partner's contact downloads its statement from the portal."""
    with session_scope() as session:
        found = session.exec(
            select(Statement, Partner)
            .join(Partner)
            .where(Statement.status == "paid")
            .order_by(col(Statement.id))
        ).first()
        if found is None:
            console.print("no paid statement to download")
            return
        statement_id, email = found[0].id, found[1].primary_email
    with signed_in_portal(email) as portal:
        listed = portal.get("/portal/statements")
        csv = portal.get(f"/portal/statements/{statement_id}/csv")
    lines = csv.text.splitlines()
    console.print(
        f"{email} downloaded statement {statement_id} from the portal ({listed.status_code}, "
        f"{csv.status_code}): {csv.headers.get('content-disposition', '')}, {len(lines) - 1} line(s)",
        markup=False,
    )
