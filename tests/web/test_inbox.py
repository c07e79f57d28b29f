"""My decisions: a person signs in with a single-use link mailed to their address and sees every
decision waiting for them, with their own link to decide it, and what they decided."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import Engine
from sqlmodel import Session, select

from partnerflow.approvals.inbox import request_sign_in, use_sign_in
from partnerflow.approvals.sign_in import SIGN_IN_MINUTES
from partnerflow.models import Notification, Person, SignInLink
from partnerflow.rebalancing.notices import targets
from partnerflow.rebalancing.proposals import plan_rebalancing
from partnerflow.rebalancing.report import write_report
from partnerflow.settings import Settings
from tests.factories import LINKS, RENDERER, delivered_text
from tests.rebalancing.leadbook import POLICY_2026, add_reseller, give_leads
from tests.system.browser import chromium, screenshot
from tests.web.pages import invite

SIGN_IN_LINK = re.compile(r"https?://\S+/signin/[\w.-]+")
DIRECTOR = "director-en@vendor.example"


def mailed_sign_in(engine: Engine, email: str) -> str:
    """The path of the latest sign-in link mailed to ``email``."""
    with Session(engine) as session:
        mail = session.exec(
            select(Notification)
            .where(Notification.recipient == email, Notification.template == "sign_in_link")
            .order_by(Notification.id.desc())  # type: ignore[union-attr]
        ).first()
    assert mail is not None, f"no sign-in link mailed to {email}"
    found = SIGN_IN_LINK.search(delivered_text(mail))
    assert found is not None
    return "/signin/" + found.group(0).rsplit("/signin/", 1)[1]


def sign_in(client: httpx.Client, engine: Engine, email: str) -> httpx.Response:
    client.post("/signin", data={"email": email})
    link = mailed_sign_in(engine, email.lower())
    assert client.get(link).status_code == 200  # the page shows a button and uses nothing
    return client.post(link, follow_redirects=True)


def test_a_director_signs_in_with_the_mailed_link_and_sees_the_decision_waiting(
    client: httpx.Client, engine: Engine
) -> None:
    decide_path = invite(engine)
    assert 'action="/signin"' in client.get("/inbox").text

    inbox = sign_in(client, engine, DIRECTOR.upper())  # the address as typed, any case

    assert inbox.status_code == 200 and "Waiting for you (1)" in inbox.text
    assert "Deal registration 42" in inbox.text and "Registration #42: Acme" in inbox.text
    assert decide_path in inbox.text, "the decide link is the director's personal approval link"
    assert "<script>alert" not in inbox.text


def test_a_sign_in_link_works_once_and_its_page_view_uses_nothing(
    client: httpx.Client, engine: Engine
) -> None:
    invite(engine)
    client.post("/signin", data={"email": DIRECTOR})
    link = mailed_sign_in(engine, DIRECTOR)
    client.get(link)  # a mail scanner opening the link
    first = client.post(link, follow_redirects=False)
    client.cookies.clear()
    again = client.post(link, follow_redirects=False)

    assert first.status_code == 303 and "pf_inbox" in first.headers["set-cookie"]
    assert "httponly" in first.headers["set-cookie"].lower()
    assert again.status_code == 410 and "used already" in again.text
    assert 'action="/signin"' in client.get("/inbox").text


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client: httpx.Client, engine: Engine) -> None:
    invite(engine)
    known = client.post("/signin", data={"email": DIRECTOR})
    unknown = client.post("/signin", data={"email": "someone@elsewhere.example"})
    assert (known.status_code, known.text) == (unknown.status_code, unknown.text)
    with Session(engine) as session:
        recipients = [mail.recipient for mail in session.exec(select(Notification))]
    assert "someone@elsewhere.example" not in recipients


def test_an_expired_or_altered_link_opens_nothing(engine: Engine) -> None:
    invite(engine)
    now = datetime.now(UTC)
    with Session(engine) as session:
        assert request_sign_in(session, LINKS, RENDERER, DIRECTOR, now=now)
        session.commit()
        link = session.exec(select(SignInLink)).one()
    token = mailed_sign_in(engine, DIRECTOR).removeprefix("/signin/")
    with Session(engine) as session:
        later = use_sign_in(session, LINKS.keys, token, now=now + timedelta(minutes=SIGN_IN_MINUTES + 1))
        altered = use_sign_in(session, LINKS.keys, token[:-2] + "xx", now=now)
    assert later == "this sign-in link has expired: ask for a new one"
    assert altered == "this sign-in link is not valid or has expired: ask for a new one"
    assert link.used_at is None


def test_after_deciding_the_item_moves_to_decided(client: httpx.Client, engine: Engine) -> None:
    decide_path = invite(engine)
    sign_in(client, engine, DIRECTOR)
    client.post(decide_path, data={"decision": "approve", "comment": "Checked with the partner."})

    inbox = client.get("/inbox").text

    assert "Waiting for you (0)" in inbox and "Nothing waits for you." in inbox
    assert "Checked with the partner." in inbox and "approve" in inbox


def test_an_inactive_person_is_signed_out(client: httpx.Client, engine: Engine) -> None:
    invite(engine)
    sign_in(client, engine, DIRECTOR)
    with Session(engine) as session:
        person = session.exec(select(Person).where(Person.email == DIRECTOR)).one()
        person.active = False
        session.add(person)
        session.commit()
    assert 'action="/signin"' in client.get("/inbox").text, "the session no longer opens the inbox"


def test_a_director_signs_in_and_decides_from_the_inbox_in_a_real_browser(
    client: httpx.Client, engine: Engine, settings: Settings
) -> None:
    """Then opens the year's rebalancing report from the inbox: its charts are drawn."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.wait import WebDriverWait

    invite(engine)
    give_leads(engine, add_reseller(engine, name="Réseaux Lents SARL"), leads=4)
    with Session(engine) as session:
        plan = plan_rebalancing(session, 2026, POLICY_2026)
    write_report(settings.reports_dir, plan, targets(POLICY_2026.document), "2026-12-01")
    base = str(client.base_url)
    with chromium() as browser:
        wait = WebDriverWait(browser, 30, ignored_exceptions=(StaleElementReferenceException,))  # type: ignore[arg-type]
        browser.get(f"{base}/inbox")  # type: ignore[attr-defined]
        browser.find_element(By.ID, "email").send_keys(DIRECTOR)  # type: ignore[attr-defined]
        browser.find_element(By.CSS_SELECTOR, "#sign-in button").click()  # type: ignore[attr-defined]
        wait.until(lambda driver: driver.find_elements(By.CSS_SELECTOR, "h1.recorded"))
        browser.get(f"{base}{mailed_sign_in(engine, DIRECTOR)}")  # type: ignore[attr-defined]
        browser.find_element(By.CSS_SELECTOR, "#use-link button").click()  # type: ignore[attr-defined]
        wait.until(lambda driver: driver.find_elements(By.ID, "open"))
        screenshot(browser, "inbox")
        rows = browser.find_elements(By.CSS_SELECTOR, "#open tr")  # type: ignore[attr-defined]
        href = browser.find_element(By.LINK_TEXT, "Decide").get_attribute("href")  # type: ignore[attr-defined]
        browser.get(base + "/approve/" + href.rsplit("/approve/", 1)[1])  # type: ignore[attr-defined]  # web_url is another port here
        wait.until(lambda driver: driver.find_elements(By.ID, "decision"))
        browser.find_element(By.CSS_SELECTOR, "button[value=approve]").click()  # type: ignore[attr-defined]
        wait.until(lambda driver: driver.find_elements(By.CSS_SELECTOR, "h1.recorded"))
        browser.get(f"{base}/inbox")  # type: ignore[attr-defined]
        decided = browser.find_element(By.ID, "decided").text  # type: ignore[attr-defined]
        report = browser.find_element(By.LINK_TEXT, "rebalancing-2026.html").get_attribute("href")  # type: ignore[attr-defined]
        browser.get(base + "/reports/" + report.rsplit("/reports/", 1)[1])  # type: ignore[attr-defined]
        wait.until(lambda driver: driver.find_elements(By.TAG_NAME, "svg"))
        screenshot(browser, "rebalancing-report")
        widths = [chart.size["width"] for chart in browser.find_elements(By.TAG_NAME, "svg")]  # type: ignore[attr-defined]
        page = browser.find_element(By.TAG_NAME, "body").text  # type: ignore[attr-defined]
    assert len(rows) == 2, "a header and the one decision waiting"
    assert "Deal registration 42" in decided and "approve" in decided
    assert len(widths) >= 3 and min(widths[:3]) > 100, "the KPI charts are drawn"
    assert "Reseller rebalancing 2026" in page and "Réseaux Lents SARL" in page
