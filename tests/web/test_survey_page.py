"""The survey page: a partner contact opens their link (in their language), answers once, and a
dead link says why; one run in a real browser, as the contact would."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlencode

import httpx
from sqlalchemy import Engine
from sqlmodel import Session, select

from partnerflow.health.survey import CAUSE_QUESTIONS, open_round, results
from partnerflow.models import SurveyComment, SurveyInvitation
from partnerflow.policy.kinds.partner_health import SurveySettings
from tests.factories import LINKS, RENDERER, add_partner
from tests.system.browser import chromium, screenshot


def survey_links(engine: Engine) -> dict[str, str]:
    """A round open now for a French and an English partner; each contact's link path."""
    with Session(engine) as session:
        add_partner(session, name="Azur SAS", email="azur@p.example", locale="fr")
        add_partner(session, name="Brook Ltd", email="brook@p.example", locale="en")
        open_round(
            session,
            label="2026-Q4",
            now=datetime.now(UTC),
            settings=SurveySettings(min_group=2),
            policy_version="2026-01-01",
            renderer=RENDERER,
        )
        session.commit()
        return {
            invitation.email: LINKS.survey(invitation.id or 0).removeprefix(LINKS.web_url)
            for invitation in session.exec(select(SurveyInvitation))
        }


def full_answer(value: str = "4") -> dict[str, str]:
    return {**dict.fromkeys(CAUSE_QUESTIONS, value), "recommendation": "9", "comment": "Bon support."}


def test_the_page_asks_every_question_in_the_contacts_language(client: httpx.Client, engine: Engine) -> None:
    links = survey_links(engine)
    french, english = client.get(links["azur@p.example"]), client.get(links["brook@p.example"])
    assert french.status_code == english.status_code == 200
    assert "Le programme est simple à utiliser" in french.text and 'lang="fr"' in french.text
    assert "Would you recommend our programme" in english.text
    assert all(f'name="{question}"' in french.text for question in (*CAUSE_QUESTIONS, "recommendation"))
    assert (
        french.headers["cache-control"] == "no-store" and french.headers["referrer-policy"] == "no-referrer"
    )


def test_an_answer_is_taken_once_and_an_incomplete_one_is_asked_again(
    client: httpx.Client, engine: Engine
) -> None:
    links = survey_links(engine)
    path = links["brook@p.example"]

    incomplete = client.post(path, data={**full_answer(), "training": ""})
    assert incomplete.status_code == 422 and "Answer every question" in incomplete.text
    twice = client.post(
        path,
        content=urlencode([*full_answer().items(), ("communication", "1")]),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert twice.status_code == 422, "a question answered twice answers nothing"
    done = client.post(path, data=full_answer())
    assert done.status_code == 200 and "recorded, anonymously" in done.text
    again = client.post(path, data=full_answer("1"))
    assert again.status_code == 410 and "already answered" in again.text
    assert client.get(path).status_code == 410
    assert client.get(path[:-3] + "abc").status_code == 404
    with Session(engine) as session:
        result = results(session, "2026-Q4", now=datetime.now(UTC))
        assert result is not None and result.answered == 1
        assert [comment.text for comment in session.exec(select(SurveyComment))] == ["Bon support."]


def test_a_partner_answers_in_a_real_browser(client: httpx.Client, engine: Engine) -> None:
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.wait import WebDriverWait

    path = survey_links(engine)["azur@p.example"]
    with chromium() as browser:
        browser.get(f"{client.base_url}{path}")  # type: ignore[attr-defined]
        screenshot(browser, "survey-page")
        for question in CAUSE_QUESTIONS:
            browser.find_element(By.CSS_SELECTOR, f"input[name='{question}'][value='4']").click()  # type: ignore[attr-defined]
        browser.find_element(By.CSS_SELECTOR, "input[name='recommendation'][value='10']").click()  # type: ignore[attr-defined]
        browser.find_element(By.ID, "comment").send_keys("Formation très utile.")  # type: ignore[attr-defined]
        browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()  # type: ignore[attr-defined]
        WebDriverWait(browser, 30, ignored_exceptions=(StaleElementReferenceException,)).until(  # type: ignore[arg-type]
            lambda driver: (
                "Merci" in driver.find_element(By.TAG_NAME, "h1").text
            )  # the next page, not the form
        )
        heading = browser.find_element(By.TAG_NAME, "h1").text  # type: ignore[attr-defined]
        screenshot(browser, "survey-recorded")
    assert heading == "Merci : vos réponses sont enregistrées, anonymement."
    with Session(engine) as session:
        result = results(session, "2026-Q4", now=datetime.now(UTC))
    assert result is not None and result.answered == 1
