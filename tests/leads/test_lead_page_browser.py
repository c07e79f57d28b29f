"""In a real browser (Chromium, no JavaScript): a reseller's contact opens the lead from the
e-mail the SMTP server received, shows the contact, accepts, and declares it sold."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner

from partnerflow.approvals import unsealer
from partnerflow.approvals.links import links_for
from partnerflow.cli import app
from partnerflow.models import LeadTurn, TurnState
from partnerflow.notify import MailSink, deliver_pending, plain_text, received_messages
from partnerflow.settings import Settings
from tests.leads.test_distribution import GOOD, leads_file, resellers
from tests.system.browser import chromium, screenshot


def test_a_reseller_opens_the_lead_from_its_email_accepts_and_sells_it_in_chromium(
    settings: Settings, engine: Engine, portal: httpx.Client, smtp_server: MailSink, tmp_path: Path
) -> None:
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.wait import WebDriverWait

    resellers(engine, count=1)
    CliRunner().invoke(app, ["leads", "submit", str(leads_file(tmp_path, GOOD))])
    asyncio.run(deliver_pending(engine, settings, unseal=unsealer(links_for(settings))))
    [message] = [m for m in received_messages(settings.mail_dir) if "Boulangerie Martin" in str(m["Subject"])]
    mailed = re.search(r"https?://\S+/lead/[\w.-]+", plain_text(message))
    assert mailed is not None
    page = f"{str(portal.base_url).rstrip('/')}{urlsplit(mailed.group(0)).path}"
    with chromium() as browser:
        driver: Any = browser
        wait = WebDriverWait(driver, 30, ignored_exceptions=(StaleElementReferenceException,))
        driver.get(page)
        wait.until(lambda d: d.find_elements(By.ID, "lead"))
        hidden = "claire@martin.example" not in driver.page_source
        driver.find_element(By.CSS_SELECTOR, "#reveal button").click()
        wait.until(lambda d: d.find_elements(By.ID, "contact-email"))
        shown = driver.find_element(By.ID, "contact-email").text
        driver.find_element(By.CSS_SELECTOR, "#accept button").click()
        wait.until(lambda d: d.find_elements(By.ID, "status-sold"))
        driver.find_element(By.ID, "status-sold").click()
        driver.find_element(By.ID, "amount").send_keys("12500.50")
        driver.find_element(By.CSS_SELECTOR, "#status button").click()
        wait.until(lambda d: d.find_elements(By.ID, "outcome"))
        screenshot(driver, "lead-sold")
        outcome = driver.find_element(By.ID, "outcome").text
    assert hidden and shown == "claire@martin.example"
    assert "12" in outcome and "500,50" in outcome  # the contact reads French
    with Session(engine) as session:
        turn = session.exec(select(LeadTurn)).one()
    assert (turn.state, str(turn.amount)) == (TurnState.CLOSED, "12500.50")
