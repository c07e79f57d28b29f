"""The approval page: GET shows and never decides, POST decides once, dead links say so."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import Engine
from sqlmodel import Session, select

from partnerflow.approvals import Ask, Subject, open_round
from partnerflow.models import ApprovalGrant, AuditEvent, Campaign, CampaignStatus, Locale, Role
from tests.factories import LINKS, add_person
from tests.web.pages import RUN, answers, invite


def test_get_shows_the_summary_escaped_and_decides_nothing(client: httpx.Client, engine: Engine) -> None:
    path = invite(engine)
    for _scanner_and_person in range(3):
        page = client.get(path)
        assert page.status_code == 200
    assert "Registration #42" in page.text and "<script>" not in page.text and "&lt;script&gt;" in page.text
    assert "<table>" in page.text and 'value="approve"' in page.text and 'value="request-info"' in page.text
    assert answers(engine) == []
    with Session(engine) as session:
        assert session.exec(select(ApprovalGrant)).one().used_at is None


def test_post_records_the_answer_once_and_wakes_the_waiting_run(
    client: httpx.Client, engine: Engine, woken: list[tuple[str, dict[str, str]]]
) -> None:
    path = invite(engine)
    done = client.post(path, data={"decision": "approve", "comment": "Strategic account."})
    assert done.status_code == 200 and "Thank you: your answer (Approve) is recorded." in done.text
    [answer] = answers(engine)
    assert (answer.person_email, answer.decision, answer.via, answer.comment) == (
        "director-en@vendor.example",
        "approve",
        "link",
        "Strategic account.",
    )
    [(run_id, values)] = woken
    assert run_id == RUN and LINKS.keys.is_wake_for(values["approval_code"], RUN)

    replay = client.post(path, data={"decision": "reject"})
    assert replay.status_code == 409 and "already used" in replay.text
    assert len(answers(engine)) == 1 and len(woken) == 1
    assert client.get(path).status_code == 410, "a used link says so"


def test_an_altered_link_is_refused_and_audited(client: httpx.Client, engine: Engine) -> None:
    path = invite(engine)
    for response in (
        client.get(path[:-3] + "abc"),
        client.post(path[:-3] + "abc", data={"decision": "approve"}),
    ):
        assert response.status_code == 404 and "Ce lien n&#39;est pas valide" in response.text, (
            "nobody is known from an altered link: the installation's default language (fr)"
        )
    assert answers(engine) == []
    with Session(engine) as session:
        refused = session.exec(select(AuditEvent).where(AuditEvent.action == "approval.refused")).all()
    assert len(refused) == 2


def test_an_expired_link_shows_a_clear_page(client: httpx.Client, engine: Engine) -> None:
    path = invite(engine, expires_in=timedelta(seconds=-1))
    page = client.get(path)
    assert page.status_code == 410 and "expired" in page.text
    assert client.post(path, data={"decision": "approve"}).status_code == 409
    assert answers(engine) == []


def test_a_decision_the_subject_does_not_take_is_refused(client: httpx.Client, engine: Engine) -> None:
    path = invite(engine)
    refused = client.post(path, data={"decision": "delete-everything"})
    assert refused.status_code == 409 and "must be one of approve, reject, request-info" in refused.text
    assert answers(engine) == []


def test_the_page_speaks_the_approvers_language(client: httpx.Client, engine: Engine) -> None:
    page = client.get(invite(engine, locale=Locale.FR))
    assert 'lang="fr"' in page.text and "Approuver" in page.text and "avant que vous cliquiez" in page.text


def test_pages_are_not_cached_framed_or_referred(client: httpx.Client, engine: Engine) -> None:
    headers = client.get(invite(engine)).headers
    assert headers["cache-control"] == "no-store" and headers["referrer-policy"] == "no-referrer"
    assert (
        headers["x-frame-options"] == "DENY"
        and "frame-ancestors 'none'" in headers["content-security-policy"]
    )


def test_supply_chain_confirms_a_quantity_on_its_page(client: httpx.Client, engine: Engine) -> None:
    now = datetime.now(UTC)
    with Session(engine) as session:
        add_person(session, "stock@vendor.example", Role.SUPPLY_CHAIN)
        session.add(Campaign(id=3, status=CampaignStatus.AWAITING_SIGNOFF, quantity=1200, created_at=now))
        [invitation] = open_round(
            session,
            LINKS,
            Ask(
                Subject("campaign", 3),
                role="supply-chain",
                approvers_required=1,
                summary="### Campaign #3",
                expires_at=now + timedelta(days=1),
                flow_run_id=None,
                round_number=1,
            ),
            now=now,
        )
        session.commit()
    path = invitation.link.removeprefix(LINKS.web_url)
    assert 'name="confirmed_quantity"' in client.get(path).text
    bad = client.post(path, data={"decision": "approve", "confirmed_quantity": "lots"})
    assert bad.status_code == 409 and "confirmed_quantity" in bad.text
    too_many = client.post(path, data={"decision": "approve", "confirmed_quantity": "5000"})
    assert too_many.status_code == 409 and "more than the 1200 units the campaign clears" in too_many.text
    assert client.post(path, data={"decision": "approve", "confirmed_quantity": "900"}).status_code == 200
    [answer] = answers(engine)
    assert answer.details == {"confirmed_quantity": 900}
