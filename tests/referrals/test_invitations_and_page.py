"""Sponsors invited behind the launch gate, best first up to the pilot's size, each with a
personal link and code; the referred company leaves its details on the page, with consent."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner

from partnerflow.cli import app
from partnerflow.models import Notification, Referral, SponsorInvitation
from partnerflow.notify import MailSink
from partnerflow.referrals import import_customers
from partnerflow.referrals.invitations import invite_sponsors, launch_gate
from tests.factories import LINKS, RENDERER, delivered_text
from tests.referrals.test_customers_and_sponsors import LOYAL, policy, row
from tests.system.browser import chromium, screenshot

NOW = datetime(2026, 11, 30, 9, tzinfo=UTC)


def customers(engine: Engine, *rows: dict[str, object]) -> None:
    with Session(engine) as session:
        import_customers(session, list(rows), now=NOW)
        session.commit()


def happy(name: str, satisfaction: str, purchases: str = "3") -> dict[str, object]:
    return row(name, first_purchase_on="2023-01-01", last_purchase_on="2026-10-01", purchases=purchases,
               satisfaction=satisfaction)  # fmt: skip


def invite(engine: Engine) -> Any:
    with Session(engine) as session:
        result = invite_sponsors(session, policy(), today=NOW.date(), now=NOW, renderer=RENDERER)
        session.commit()
        return result


def test_an_unhappy_customer_base_keeps_the_programme_closed(engine: Engine) -> None:
    customers(engine, happy("Alpha SAS", "9"), happy("Beta SAS", "4"), happy("Gamma SAS", "5"))
    closed = invite(engine)
    with Session(engine) as session:
        gate = launch_gate(session, policy(), NOW.date())
    assert not closed.gate.open and closed.invited == 0
    assert gate.average_satisfaction == 6.0 and "average satisfaction 6.0/10 under 7.5" in gate.reasons[0]


def test_the_pilot_invites_the_best_sponsors_once_each_up_to_its_size(engine: Engine) -> None:
    customers(
        engine,
        *(
            happy(f"Client{number} SAS", str(10 - number % 3), purchases=str(2 + number))
            for number in range(25)
        ),
        happy("Grumpy SAS", "3"),
    )
    first = invite(engine)
    again = invite(engine)
    with Session(engine) as session:
        invited = session.exec(select(SponsorInvitation)).all()
        mails = session.exec(select(Notification).where(Notification.template == "sponsor_invitation")).all()
    assert first.gate.open and (first.invited, again.invited) == (20, 0), "the pilot's 20, once"
    assert len({invitation.code for invitation in invited}) == 20
    assert all("/refer/" in delivered_text(mail) for mail in mails) and "grumpy@" not in " ".join(
        m.recipient for m in mails
    )


def referral_path(engine: Engine) -> str:
    customers(engine, LOYAL, happy("Alpha SAS", "9"))
    invite(engine)
    with Session(engine) as session:
        invitation = session.exec(select(SponsorInvitation)).first()
        assert invitation is not None and invitation.id is not None
        return LINKS.referral(invitation.id).removeprefix(LINKS.web_url)


REFERRED = {
    "company": "Nouvelle Boulangerie SAS",
    "contact_name": "Claire Petit",
    "contact_email": "claire@nouvelle-boulangerie.example",
    "consent": "yes",
}


def test_the_referred_company_leaves_its_details_once_with_consent(
    client: httpx.Client, engine: Engine
) -> None:
    path = referral_path(engine)
    shown = client.get(path)
    no_consent = client.post(path, data={**REFERRED, "consent": ""})
    done = client.post(path, data=REFERRED)
    twice = client.post(path, data=REFERRED)
    forged = client.post(path[:-3] + "abc", data=REFERRED)

    assert shown.status_code == 200 and "Recommandé par" in shown.text
    assert no_consent.status_code == 422 and "consent" in no_consent.text
    assert done.status_code == 200 and twice.status_code == 409 and forged.status_code == 404
    with Session(engine) as session:
        [referral] = session.exec(select(Referral)).all()
        [visited] = [i for i in session.exec(select(SponsorInvitation)) if i.visits]
    assert referral.customer_key == "domain:nouvelle-boulangerie.example" and visited.visits == 1
    listed = CliRunner().invoke(app, ["referrals", "list", "--json"])
    assert [r["company"] for r in json.loads(listed.output)] == ["Nouvelle Boulangerie SAS"]


def test_a_referred_company_fills_the_page_in_a_real_browser(client: httpx.Client, engine: Engine) -> None:
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.wait import WebDriverWait

    path = referral_path(engine)
    with chromium() as browser:
        browser.get(f"{client.base_url}{path}")  # type: ignore[attr-defined]
        for field in ("company", "contact_name", "contact_email"):
            browser.find_element(By.ID, field).send_keys(REFERRED[field])  # type: ignore[attr-defined]
        browser.find_element(By.NAME, "consent").click()  # type: ignore[attr-defined]
        screenshot(browser, "referral-page")
        browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()  # type: ignore[attr-defined]
        WebDriverWait(browser, 30, ignored_exceptions=(StaleElementReferenceException,)).until(  # type: ignore[arg-type]
            lambda driver: "Merci" in driver.find_element(By.TAG_NAME, "h1").text
        )
    with Session(engine) as session:
        assert [r.company for r in session.exec(select(Referral))] == ["Nouvelle Boulangerie SAS"]


@pytest.mark.prefect
def test_the_invitations_run_says_why_when_the_gate_is_closed_and_invites_when_open(
    prefect_server: None, engine: Engine, smtp_server: MailSink
) -> None:
    from flows.referral_invitations import referral_invitations

    customers(engine, happy("Alpha SAS", "4"))
    closed = referral_invitations()
    customers(engine, happy("Alpha SAS", "9"), happy("Beta SAS", "8"))
    opened = referral_invitations()

    assert (closed.round.gate.open, closed.round.invited) == (False, 0)
    assert "satisfaction" in closed.round.gate.reasons[0]
    assert (opened.round.gate.open, opened.round.invited, opened.mail.sent) == (True, 2, 2)
    assert sorted(str(m["To"]) for m in smtp_server.messages()) == [
        "achats@alpha.example",
        "achats@beta.example",
    ]
