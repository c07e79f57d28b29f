"""The partner portal (#26): a partner's contact signs in from the e-mail, registers a deal and
reads its decision in their language, asks for an extension, downloads a statement, reads its
scorecard and training; the admin manages contacts and API keys; nothing of another partner's is
readable or changeable."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from partnerflow.health.survey import open_round
from partnerflow.models import (
    ApiKey,
    AuditEvent,
    ContactRole,
    Locale,
    Notification,
    Partner,
    PartnerContact,
    Registration,
    SignInLink,
    SurveyInvitation,
    TrainingKind,
    TrainingRecord,
)
from partnerflow.partner_access.contacts import add_contact
from partnerflow.policy.kinds.partner_health import SurveySettings
from tests.factories import NOW, RENDERER, WRITTEN_AT, delivered_text, paid_statement, submission
from tests.rebalancing.leadbook import give_leads
from tests.system.browser import chromium, screenshot

PORTAL_LINK = re.compile(r"https?://\S+/portal/signin/[\w.-]+")
AZUR = "contact@azur.example"
BOREAL = "contact@boreal.example"


def mailed_link(engine: Engine, email: str) -> str:
    """The path of the latest portal sign-in link mailed to ``email``."""
    with Session(engine) as session:
        mail = session.exec(
            select(Notification)
            .where(Notification.recipient == email, Notification.template == "portal_sign_in_link")
            .order_by(col(Notification.id).desc())
        ).first()
    assert mail is not None, f"no portal sign-in link mailed to {email}"
    found = PORTAL_LINK.search(delivered_text(mail))
    assert found is not None
    return "/portal/signin/" + found.group(0).rsplit("/portal/signin/", 1)[1]


def sign_in(client: httpx.Client, engine: Engine, email: str) -> httpx.Response:
    client.post("/portal/signin", data={"email": email})
    link = mailed_link(engine, email.lower())
    assert client.get(link).status_code == 200  # a button; nothing used
    return client.post(link, follow_redirects=True)


def english(engine: Engine, partner_id: int) -> None:
    with Session(engine) as session:
        for contact in session.exec(select(PartnerContact).where(PartnerContact.partner_id == partner_id)):
            contact.locale = Locale.EN
            session.add(contact)
        session.commit()


def salesperson(engine: Engine, partner_id: int, email: str) -> None:
    with Session(engine) as session:
        add_contact(session, session.get_one(Partner, partner_id), email=email, actor="test", now=NOW)
        session.commit()


def test_a_salesperson_signs_in_from_the_mail_registers_a_deal_and_reads_the_decision(
    portal: httpx.Client, engine: Engine, network: dict[str, int]
) -> None:
    english(engine, network["first"])
    assert 'action="/portal/signin"' in portal.get("/portal").text

    home = sign_in(portal, engine, AZUR.upper())
    assert home.status_code == 200 and "My deal registrations" in home.text

    form = {**submission(network["first"]), "product_lines": "network", "external_id": "CRM-7"}
    form.pop("partner_id")
    decided = portal.post("/portal/registrations/new", data=form, follow_redirects=True)

    assert decided.status_code == 200 and "Acme Industrie SAS" in decided.text
    with Session(engine) as session:
        row = session.exec(select(Registration).where(Registration.external_id == "CRM-7")).one()
    assert row.partner_id == network["first"], "the session's partner, never the form's"
    assert f"/portal/registrations/{row.id}" in str(decided.url)
    assert 'id="status">Approved<' in decided.text
    reason = re.search(r'id="reason">([^<]+)<', decided.text)
    assert reason is not None and row.rule_id in reason.group(1), "an approval says which rule made it"


def test_a_refused_registration_shows_each_reason_beside_its_field_and_keeps_what_was_typed(
    portal: httpx.Client, engine: Engine, network: dict[str, int]
) -> None:
    sign_in(portal, engine, AZUR)
    form = {**submission(network["first"]), "product_lines": "network", "amount": "1,000"}
    form.pop("partner_id")
    refused = portal.post("/portal/registrations/new", data=form)

    assert refused.status_code == 422
    assert 'id="amount-error"' in refused.text and 'aria-invalid="true"' in refused.text
    assert 'value="1,000"' in refused.text, "what was typed stays in the form"
    with Session(engine) as session:
        stored = session.exec(select(Registration)).all()
    assert [row.status.value for row in stored] == ["refused"], "recorded as refused, never as 1000"


def test_an_approved_registration_is_extended_up_to_the_policys_cap(
    portal: httpx.Client, engine: Engine, network: dict[str, int], submit: object
) -> None:
    sign_in(portal, engine, AZUR)
    form = {**submission(network["first"]), "product_lines": "network"}
    form.pop("partner_id")
    page = portal.post("/portal/registrations/new", data=form, follow_redirects=True)
    path = str(page.url).split(str(portal.base_url).rstrip("/"), 1)[1]
    answers = [portal.post(f"{path}/extension") for _ in range(3)]

    assert all(answer.status_code == 200 for answer in answers)
    assert "Prolongation accordée" in answers[0].text
    assert "Prolongation refusée" in answers[-1].text or "Plus de prolongation possible" in answers[-1].text
    with Session(engine) as session:
        row = session.exec(select(Registration)).one()
    assert row.extensions_used == 1, "the shipped policy allows one extension"


def test_a_statement_is_shown_line_by_line_and_downloads_as_safe_csv(
    portal: httpx.Client, engine: Engine, network: dict[str, int]
) -> None:
    statement_id = paid_statement(engine, network["first"])
    sign_in(portal, engine, AZUR)

    listed = portal.get("/portal/statements")
    shown = portal.get(f"/portal/statements/{statement_id}")
    csv = portal.get(f"/portal/statements/{statement_id}/csv")

    assert "2026-11" in listed.text and "2\u202f000,00\u00a0€" in listed.text
    assert "5 % of 40 000 €" in shown.text
    assert csv.headers["content-type"].startswith("text/csv")
    assert "attachment" in csv.headers["content-disposition"]
    lines = csv.text.splitlines()
    assert lines[0].startswith("affaire,client")
    assert ",'=HYPERLINK(1)," in lines[1], "a formula typed as a name is not run"
    assert "2000.00" in lines[1], "exact amounts, as text"


def test_no_route_reads_or_changes_another_partners_objects(
    portal: httpx.Client, engine: Engine, network: dict[str, int], submit: object
) -> None:
    """The cross-partner matrix: A's session on each of B's ids answers 404 like a missing id,
    changes nothing, and the attempt is audited."""
    theirs = paid_statement(engine, network["second"])
    sign_in(portal, engine, BOREAL)
    form = {**submission(network["second"]), "product_lines": "network"}
    form.pop("partner_id")
    portal.post("/portal/registrations/new", data=form)
    with Session(engine) as session:
        registration = session.exec(select(Registration).where(Registration.status == "approved")).one()
        boreal = session.get_one(Partner, network["second"])
        contact = add_contact(session, boreal, email="ventes@boreal.example", actor="test", now=NOW)
        session.commit()
        session.refresh(registration)
        session.refresh(contact)
    portal.post("/portal/keys", data={"name": "B's CRM", "scopes": "registrations:read"})
    with Session(engine) as session:
        key = session.exec(select(ApiKey)).one()
        assert key.id is not None
    portal.cookies.clear()
    sign_in(portal, engine, AZUR)

    attempts = [
        portal.get(f"/portal/registrations/{registration.id}"),
        portal.post(f"/portal/registrations/{registration.id}/extension"),
        portal.get(f"/portal/statements/{theirs}"),
        portal.get(f"/portal/statements/{theirs}/csv"),
        portal.post(f"/portal/contacts/{contact.id}/remove"),
        portal.post(f"/portal/contacts/{contact.id}/admin"),
        portal.post(f"/portal/keys/{key.prefix}/revoke"),
    ]
    missing = portal.get("/portal/registrations/999999")

    assert [answer.status_code for answer in attempts] == [404] * len(attempts)
    assert all(answer.text == missing.text for answer in attempts[:1]), "the same page as a missing id"
    assert not any("Acme" in answer.text or "2026-11" in answer.text for answer in attempts)
    with Session(engine) as session:
        assert session.get_one(Registration, registration.id).extensions_used == 0
        assert session.get_one(PartnerContact, contact.id).active
        assert session.get_one(PartnerContact, contact.id).role is ContactRole.SALES
        assert session.get_one(ApiKey, key.id).revoked_at is None
        refusals = session.exec(select(AuditEvent).where(AuditEvent.action == "portal.refused")).all()
    assert len(refusals) == len(attempts) + 1


def test_the_admin_adds_and_removes_contacts_and_keeps_one_admin(
    portal: httpx.Client, engine: Engine, network: dict[str, int]
) -> None:
    sign_in(portal, engine, AZUR)
    added = portal.post(
        "/portal/contacts", data={"email": "Léa.Martin@Azur.example", "name": "Léa Martin", "role": "sales"}
    )
    bad = portal.post("/portal/contacts", data={"email": "not an address", "name": "X"})
    with Session(engine) as session:
        me = session.exec(select(PartnerContact).where(PartnerContact.email == AZUR)).one()
    last_admin = portal.post(f"/portal/contacts/{me.id}/remove")

    assert added.status_code == 200 and "léa.martin@azur.example" in added.text
    assert bad.status_code == 422 and "email" in bad.text
    assert last_admin.status_code == 422 and "last admin" in last_admin.text
    with Session(engine) as session:
        partner = session.get_one(Partner, network["first"])
        assert partner.emails == [AZUR, "léa.martin@azur.example"], "the partner's mail reaches both"


def test_a_salesperson_reads_the_contacts_but_may_not_change_them(
    portal: httpx.Client, engine: Engine, network: dict[str, int]
) -> None:
    salesperson(engine, network["first"], "ventes@azur.example")
    sign_in(portal, engine, "ventes@azur.example")

    assert portal.get("/portal/contacts").status_code == 200
    assert portal.post("/portal/contacts", data={"email": "x@azur.example"}).status_code == 403
    assert portal.get("/portal/keys").status_code == 403
    with Session(engine) as session:
        assert len(session.get_one(Partner, network["first"]).emails) == 2


def test_a_key_made_in_the_portal_is_shown_once_works_and_is_revoked_at_once(
    portal: httpx.Client, engine: Engine, network: dict[str, int]
) -> None:
    sign_in(portal, engine, AZUR)
    made = portal.post("/portal/keys", data={"name": "Our CRM", "scopes": "registrations:read"})
    key = re.search(r'<pre id="new-key">(pfk_[\w-]+)</pre>', made.text)
    assert key is not None
    api = {"Authorization": f"Bearer {key.group(1)}"}
    assert portal.get("/api/v1/registrations", headers=api).status_code == 200
    assert key.group(1) not in portal.get("/portal/keys").text, "shown once"

    with Session(engine) as session:
        prefix = session.exec(select(ApiKey)).one().prefix
    portal.post(f"/portal/keys/{prefix}/revoke")
    assert portal.get("/api/v1/registrations", headers=api).status_code == 401


def test_a_removed_contacts_session_and_links_open_nothing(
    portal: httpx.Client, engine: Engine, network: dict[str, int]
) -> None:
    salesperson(engine, network["first"], "ventes@azur.example")
    sign_in(portal, engine, "ventes@azur.example")
    assert (
        "My deal registrations" in portal.get("/portal").text
        or "Mes enregistrements" in portal.get("/portal").text
    )
    with Session(engine) as session:
        contact = session.exec(
            select(PartnerContact).where(PartnerContact.email == "ventes@azur.example")
        ).one()
        contact.active = False
        session.add(contact)
        session.commit()

    assert 'action="/portal/signin"' in portal.get("/portal").text
    assert portal.get("/portal/statements", follow_redirects=False).status_code == 303


def test_the_answer_is_the_same_for_an_unknown_address_and_a_link_never_opens_the_other_door(
    portal: httpx.Client, engine: Engine, network: dict[str, int]
) -> None:
    known = portal.post("/portal/signin", data={"email": AZUR})
    unknown = portal.post("/portal/signin", data={"email": "nobody@elsewhere.example"})
    assert (known.status_code, known.text) == (unknown.status_code, unknown.text)

    link = mailed_link(engine, AZUR)
    inbox_door = portal.post(link.replace("/portal/signin/", "/signin/"), follow_redirects=False)
    assert inbox_door.status_code == 410, "a partner's link is no inbox link"
    with Session(engine) as session:
        assert session.exec(select(SignInLink)).one().used_at is None


def test_in_a_real_browser_a_salesperson_signs_in_registers_a_deal_and_downloads_a_statement(
    portal: httpx.Client, engine: Engine, network: dict[str, int], tmp_path: Path
) -> None:
    """Chromium, no JavaScript needed: sign in from the mailed link, register a deal through the
    form, read its decision, download the month's statement as CSV."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.wait import WebDriverWait

    english(engine, network["first"])
    statement_id = paid_statement(engine, network["first"])
    base = str(portal.base_url).rstrip("/")
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    with chromium() as browser:
        driver: Any = browser
        wait = WebDriverWait(driver, 30, ignored_exceptions=(StaleElementReferenceException,))
        driver.execute_cdp_cmd(
            "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
        )
        driver.get(f"{base}/portal")
        driver.find_element(By.ID, "email").send_keys(AZUR)
        driver.find_element(By.CSS_SELECTOR, "#sign-in button").click()
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "h1.recorded"))
        driver.get(f"{base}{mailed_link(engine, AZUR)}")
        driver.find_element(By.CSS_SELECTOR, "#use-link button").click()
        wait.until(lambda d: d.find_elements(By.ID, "portal-nav"))
        driver.find_element(By.LINK_TEXT, "Register a deal").click()
        wait.until(lambda d: d.find_elements(By.ID, "register"))
        typed = {
            "customer_name": "Acme Industrie SAS",
            "customer_email": "buyer@acme.fr",
            "customer_departement": "69",
            "product_lines": "network",
            "amount": "12000",
            "external_id": "CRM-BROWSER",
        }
        for name, value in typed.items():
            driver.find_element(By.ID, name).send_keys(value)
        close_on = driver.find_element(By.ID, "expected_close_on")
        driver.execute_script("arguments[0].value = '2027-02-15'", close_on)  # a date input's own picker
        driver.find_element(By.CSS_SELECTOR, "#register button").click()
        wait.until(lambda d: d.find_elements(By.ID, "status"))
        screenshot(driver, "portal-registration")
        status = driver.find_element(By.ID, "status").text
        driver.find_element(By.LINK_TEXT, "My statements").click()
        wait.until(lambda d: d.find_elements(By.ID, "statements"))
        driver.find_element(By.CSS_SELECTOR, f"a[href='/portal/statements/{statement_id}/csv']").click()
        wait.until(lambda _: list(downloads.glob("*.csv")))
        screenshot(driver, "portal-statements")
    assert status == "Approved"
    (saved,) = downloads.glob("*.csv")
    assert saved.name == f"statement-2026-11-{statement_id}.csv"
    assert "deal,customer,kind" in saved.read_text(encoding="utf-8"), "the contact's language"


def test_a_reseller_reads_its_scorecard_and_its_training_and_no_one_elses(
    portal: httpx.Client, engine: Engine, network: dict[str, int]
) -> None:
    english(engine, network["first"])
    give_leads(engine, network["first"], leads=8, opened=8, processed=6, closed=4, sold=3)
    give_leads(engine, network["second"], leads=30, opened=1)
    with Session(engine) as session:
        for partner, course in ((network["first"], "Wi-Fi 7 design"), (network["second"], "Boréal only")):
            session.add(
                TrainingRecord(
                    partner_id=partner,
                    course=course,
                    kind=TrainingKind.CERTIFICATION,
                    completed_on=date(2024, 3, 1),
                    expires_on=date(2026, 3, 1),
                    recorded_at=WRITTEN_AT,
                )
            )
        session.commit()
    sign_in(portal, engine, AZUR)

    card = portal.get("/portal/scorecard").text
    training = portal.get("/portal/training").text

    assert "My leads in 2026" in card
    assert "<td>Leads received</td><td>8</td><td>≥ 10 a year</td>" in card, "the floor of 10 a year"
    assert (
        "<td>Opened</td><td>100%</td>" in card
        and "<td>Processed (a status declared)</td><td>75%</td>" in card
    )
    assert "Wi-Fi 7 design" in training and "lapsed" in training
    assert "Boréal only" not in training


def test_an_open_survey_is_offered_until_the_contact_answers_it(
    portal: httpx.Client, engine: Engine, network: dict[str, int]
) -> None:
    with Session(engine) as session:
        open_round(
            session,
            label="2026-Q4",
            now=NOW,
            settings=SurveySettings(min_group=2),
            policy_version="2026-01-01",
            renderer=RENDERER,
        )
        session.commit()
    sign_in(portal, engine, AZUR)
    home = portal.get("/portal").text
    offered = re.search(r'<p class="note" id="survey">[^<]*<a href="[^"]*(/survey/[\w.-]+)"', home)
    assert offered is not None, "the open round's link, in the portal"
    survey_page = portal.get(offered.group(1))
    assert survey_page.status_code == 200 and "Envoyer mes réponses" in survey_page.text, (
        "its own survey link"
    )

    with Session(engine) as session:
        for invitation in session.exec(select(SurveyInvitation)):
            invitation.answered = True
            session.add(invitation)
        session.commit()
    assert 'id="survey"' not in portal.get("/portal").text
