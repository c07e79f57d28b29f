"""A real browser for the pages people open from their e-mail: Debian's Chromium, headless,
driven by Selenium through Debian's chromedriver (no browser download; `.ci/run` installs both)."""

from __future__ import annotations

import email
import email.policy
import re
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from pathlib import Path

import pytest

from partnerflow.settings import PROJECT_ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
SCREENSHOTS = PROJECT_ROOT / "var" / "test-artifacts" / "screenshots"
APPROVAL_LINK = re.compile(r"https?://\S+/approve/[\w.-]+")


@contextmanager
def chromium() -> Iterator[object]:
    """A headless Chromium session (selenium WebDriver); fails saying what to install if absent."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.fail("browser tests need Debian's chromium and chromium-driver (apt-get install -y ...)")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1000,1100"):
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=str(CHROMEDRIVER)))
    try:
        yield driver
    finally:
        driver.quit()


def screenshot(driver: object, name: str) -> Path:
    """Keep a PNG of the page under var/test-artifacts/screenshots (kept after the run)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    driver.save_screenshot(str(path))  # type: ignore[attr-defined]
    return path


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    return str(part.get_content()) if part is not None else ""


def mails(mail_dir: Path) -> list[EmailMessage]:
    """Every .eml the SMTP sink wrote, oldest first, headers decoded."""
    files = sorted(mail_dir.glob("*.eml")) if mail_dir.exists() else []  # named by arrival time
    parsed = (email.message_from_bytes(path.read_bytes(), policy=email.policy.default) for path in files)
    return [message for message in parsed if isinstance(message, EmailMessage)]


def approval_link_in_mail(mail_dir: Path, mentioning: str) -> tuple[str, str] | None:
    """The recipient and personal approval link of the first e-mail mentioning ``mentioning``."""
    for message in mails(mail_dir):
        body = text_of(message)
        link = APPROVAL_LINK.search(body)
        if link and mentioning in body:
            return str(message["To"]), link.group(0)
    return None
