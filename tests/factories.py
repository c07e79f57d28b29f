"""Builders for test data: policy files written from the shipped ones, partners, people."""

from __future__ import annotations

import json
import re
import tempfile
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text
from sqlmodel import Session, col, select

from partnerflow.approvals import (
    Applying,
    Ask,
    Asking,
    FormAnswer,
    Invitation,
    Keys,
    Links,
    Outcome,
    Reply,
    Subject,
    answer_by_code,
    answer_by_link,
    latest_round,
    open_requests,
    open_round,
    unsealer,
)
from partnerflow.approvals.inbox import request_sign_in
from partnerflow.models import (
    ApprovalGrant,
    ApprovalRequest,
    BatchStatus,
    CommissionLine,
    ContactRole,
    Locale,
    Notification,
    Partner,
    PartnerContact,
    PartnerTier,
    Person,
    PersonRole,
    Registration,
    Role,
    SettlementBatch,
    SignInLink,
    Statement,
    StatementStatus,
    Territory,
)
from partnerflow.notify import TemplateRenderer, opened
from partnerflow.policy import CloseReview, Policy, load_file, load_policy
from partnerflow.settings import PROJECT_ROOT

SHIPPED_DEAL_POLICY = PROJECT_ROOT / "policies" / "deal_registration" / "2026-01-01.yaml"
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
WRITTEN_AT = NOW
"""When a test writes a row by hand (every required timestamp is given: none defaults to the clock)."""
RENDERER = TemplateRenderer(PROJECT_ROOT / "email_templates")
POLICY = load_file(SHIPPED_DEAL_POLICY)
# For tests about what follows a won close: their deals register the factory's 12,000 and close at
# the figures the test is about (up to 35 times more). The close review (a close far above its
# registration waits for a director) has its own tests: tests/registration/test_close_review.py.
CLOSED_AS_RECORDED = CloseReview(amount_factor=1000)
SECRET_KEY = "partnerflow test secret key"
LINKS = Links(Keys(SECRET_KEY), "http://127.0.0.1:4280", "http://127.0.0.1:4200")


def shipped_policy(kind: str, as_of: date) -> Policy[Any]:
    """The shipped version of ``kind`` in force on ``as_of`` (what a Context loads by default)."""
    return load_policy(kind, as_of, PROJECT_ROOT / "policies")


def applying(
    session: Session, *, now: datetime = NOW, flow_run_id: str = "", policy: Policy[Any] | None = None
) -> Applying:
    """What a decision's ``apply`` gets from the task, in a test: ``policy`` (any kind) replaces
    the shipped ones when given."""
    loader = shipped_policy if policy is None else (lambda _kind, _day: policy)
    return Applying(session, LINKS.keys, RENDERER, loader, now, flow_run_id)


def asking(
    session: Session, *, now: datetime = NOW, flow_run_id: str = "", reports_dir: Path | None = None
) -> Asking:
    """What a use case that asks people gets from its task, in a test (shipped policies); its
    reports go to ``reports_dir``, else to a new temporary directory."""
    where = reports_dir if reports_dir is not None else Path(tempfile.mkdtemp(prefix="partnerflow-reports-"))
    return Asking(session, LINKS, RENDERER, shipped_policy, where, now, flow_run_id)


def form_answer(**values: Any) -> FormAnswer:
    """A decision form's answer as a flow reads it: decision, code and comment, the rest as the
    role's own fields (its ``details``)."""
    given = {key: values.pop(key) for key in ("decision", "approval_code", "comment") if key in values}
    return FormAnswer(**given, details=values)


def write_policy(
    directory: Path, text: str, kind: str = "deal_registration", version: str = "2026-01-01"
) -> Path:
    """Write ``text`` as ``<directory>/<kind>/<version>.yaml`` and return its path."""
    path = directory / kind / f"{version}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def shipped_deal_policy(**replacements: str) -> str:
    """The shipped deal policy text with each ``old=new`` substring replaced (must occur)."""
    text = SHIPPED_DEAL_POLICY.read_text(encoding="utf-8")
    for old, new in replacements.items():
        assert old in text, f"{old!r} not in the shipped policy"
        text = text.replace(old, new)
    return text


def deal_policy_version(version: str, effective_from: str, extra_rule: str = "") -> str:
    """The shipped deal policy re-dated as ``version``, optionally with a rule put first."""
    text = shipped_deal_policy()
    text = text.replace('version: "2026-01-01"', f'version: "{version}"')
    text = text.replace("effective_from: 2026-01-01", f"effective_from: {effective_from}")
    return text.replace("rules:\n", "rules:\n" + extra_rule, 1)


def add_partner(
    session: Session,
    *,
    name: str = "Réseaux Test SAS",
    territory: str = "69",
    locale: str = "fr",
    email: str = "contact@reseaux-test.example",
) -> Partner:
    if session.get(Territory, territory) is None:
        session.add(Territory(code=territory, name=f"Territory {territory}"))
        session.flush()
    partner = Partner(created_at=WRITTEN_AT, name=name, territory_code=territory, locale=Locale(locale))
    partner.contacts = [
        PartnerContact(
            name=f"Admin {name}",
            email=email,
            locale=Locale(locale),
            role=ContactRole.ADMIN,
            created_at=WRITTEN_AT,
        )
    ]
    session.add(partner)
    session.flush()
    return partner


def partner_before_contacts(
    engine: Engine, emails: tuple[str, ...] = ("contact@reseaux-test.example",), locale: str = "fr"
) -> int:
    """A partner as the schema before migration 0032 stored it (its addresses in a column of the
    partner), for the tests of migrations up to then; its id."""
    with engine.begin() as connection:
        if connection.execute(text("SELECT 1 FROM territory WHERE code = '69'")).first() is None:
            connection.execute(text("INSERT INTO territory (code, name, region) VALUES ('69', 'Rhône', '')"))
        return int(
            connection.execute(
                text(
                    "INSERT INTO partner (name, tier, certified, status, locale, territory_code,"
                    " contact_emails, created_at) VALUES ('Réseaux Lyon', 'silver', false, 'active',"
                    " :locale, '69', :emails, :at) RETURNING id"
                ),
                {"emails": json.dumps(list(emails)), "locale": locale, "at": WRITTEN_AT},
            ).scalar_one()
        )


def add_person(session: Session, email: str, *roles: Role) -> Person:
    person = Person(email=email, name=email.split("@")[0].title())
    session.add(person)
    session.flush()
    assert person.id is not None
    for role in roles:
        session.add(PersonRole(person_id=person.id, role=role))
    session.flush()
    session.refresh(person)
    return person


def submission(partner_id: int, **changes: Any) -> dict[str, Any]:
    """A valid small deal in département 69 for Acme, with ``changes`` applied."""
    return {
        "partner_id": partner_id,
        "customer_name": "Acme Industrie SAS",
        "customer_email": "buyer@acme.fr",
        "customer_departement": "69",
        "product_lines": ["network"],
        "amount": 12000,
        "expected_close_on": "2027-02-15",
        **changes,
    }


def gold_partner(session: Session, name: str, email: str) -> Partner:
    partner = add_partner(session, name=name, territory="69", email=email)
    partner.tier, partner.certified = PartnerTier.GOLD, True
    session.add(partner)
    session.flush()
    return partner


def load_registration(engine: Engine, registration_id: int) -> Registration:
    """The registration as stored now (a fresh session, so what other sessions committed)."""
    with Session(engine) as session:
        registration = session.get(Registration, registration_id)
        assert registration is not None
        return registration


CAMPAIGN_POLICY = load_file(PROJECT_ROOT / "policies" / "discount_campaign" / "2026-01-01.yaml")


def campaign_request(**changes: Any) -> dict[str, Any]:
    """A routine clearance campaign starting in 14 days, with ``changes`` applied."""
    start = NOW.date() + timedelta(days=14)
    return {
        "name": "Switches 24 ports fin de série",
        "product_line": "network",
        "skus": ["SW-24P-POE"],
        "discount_pct": 25,
        "starts_on": start.isoformat(),
        "ends_on": (start + timedelta(days=30)).isoformat(),
        "quantity": 1200,
        "stock_value": 180000,
        "tiers": [],
        "territories": [],
        "requester_email": "marketing@vendor.example",
        "rationale": "End of life of the 24-port range.",
        **changes,
    }


def ask(
    session: Session,
    subject: Subject,
    role: str,
    *,
    approvers_required: int = 1,
    now: datetime = NOW,
) -> list[Invitation]:
    """Open the subject's next round for ``role`` unless one is open (as a process asks)."""
    if any(request.role == role for request in open_requests(session, subject)):
        return []
    return open_round(
        session,
        LINKS,
        Ask(
            subject,
            role=role,
            approvers_required=approvers_required,
            summary=f"### {subject}",
            expires_at=now + timedelta(days=7),
            flow_run_id=None,
            round_number=latest_round(session, subject) + 1,
        ),
        now=now,
    )


def answer_as(
    session: Session,
    subject: Subject,
    email: str,
    decision: str,
    comment: str = "",
    *,
    role: str | None = None,
    details: dict[str, Any] | None = None,
    now: datetime = NOW,
) -> Outcome:
    """``email`` answers with their own personal link (as the approval page does): their latest
    grant for the subject (and ``role``). Someone without a grant can only guess a code: refused."""
    query = (
        select(ApprovalGrant)
        .join(ApprovalRequest, col(ApprovalRequest.id) == col(ApprovalGrant.request_id))
        .join(Person, col(Person.id) == col(ApprovalGrant.person_id))
        .where(Person.email == email, ApprovalRequest.subject_kind == subject.kind)
        .where(ApprovalRequest.subject_id == subject.id)
        .order_by(col(ApprovalRequest.round).desc())
    )
    if role is not None:
        query = query.where(ApprovalRequest.role == role)
    grant = session.exec(query).first()
    reply = Reply(decision, comment, details)
    if grant is None:
        return answer_by_code(session, LINKS.keys, subject, "GUESS-ED000", reply, now=now)
    token = LINKS.personal(grant).rsplit("/", 1)[1]
    return answer_by_link(session, LINKS.keys, token, reply, now=now)


CODE_PATTERN = re.compile(r"\b[2-9A-Z]{5}-[2-9A-Z]{5}\b")
LINK_PATTERN = re.compile(r"https?://\S+/approve/[\w.-]+")


def operator_link(session: Session, email: str, keys: Keys = LINKS.keys, now: datetime = NOW) -> str:
    """The token of a sign-in link mailed to ``email`` (an active person): what an operator pastes
    into ``--operator-link`` to prove who they are (as the sender would sign it)."""
    links = Links(keys, LINKS.web_url, LINKS.ui_url)
    assert request_sign_in(session, links, RENDERER, email, now=now), f"{email} is not an active person"
    link = session.exec(select(SignInLink).order_by(col(SignInLink.id).desc())).first()
    assert link is not None and link.id is not None
    return keys.sign_in_token(link.id, keys.sign_in_nonce(link.id))


def delivered_text(mail: Notification) -> str:
    """A queued message's text as the sender puts it on the wire: its credentials signed in (the
    outbox row holds only their markers)."""
    return opened(mail.text_body, mail.sealed, unsealer(LINKS))


def mailed_invitation(engine: Engine, recipient: str, template: str | None = None) -> tuple[str, str]:
    """The personal link and code in the latest e-mail to ``recipient`` that carries them."""
    with Session(engine) as session:
        query = select(Notification).where(Notification.recipient == recipient)
        if template is not None:
            query = query.where(Notification.template == template)
        for mail in session.exec(query.order_by(col(Notification.id).desc())):
            text = delivered_text(mail)
            code, link = CODE_PATTERN.search(text), LINK_PATTERN.search(text)
            if code and link:
                return link.group(0), code.group(0)
    raise LookupError(f"no e-mail to {recipient} carries a personal link and code")


def paid_statement(engine: Engine, partner_id: int) -> int:
    """A paid statement of November 2026 with one line (2,000.00 on a deal of 40,000.00, the
    customer named like a spreadsheet formula), for ``partner_id``; one batch for all."""
    with Session(engine) as session:
        deal = Registration(
            partner_id=partner_id,
            status="won",
            customer_name="=HYPERLINK(1)",
            amount=Decimal("40000"),
            submitted_at=WRITTEN_AT,
            reason_texts={},
            submission={},
            facts={},
        )
        batch = session.exec(select(SettlementBatch).where(SettlementBatch.period == "2026-11")).first()
        batch = batch or SettlementBatch(
            period="2026-11",
            status=BatchStatus.PAID,
            currency="EUR",
            total=Decimal("2000"),
            plan_version="2026-01-01",
            plan_sha256="0" * 64,
            created_at=WRITTEN_AT,
        )
        session.add_all([deal, batch])
        session.flush()
        assert batch.id is not None and deal.id is not None
        statement = Statement(
            batch_id=batch.id,
            period="2026-11",
            partner_id=partner_id,
            status=StatementStatus.PAID,
            currency="EUR",
            earned=Decimal("2000.00"),
            clawed_back=Decimal("0.00"),
            net=Decimal("2000.00"),
            iban="FR7630006000011234567890189",
            payment_reference=f"PF-2026-11-{partner_id}",
            created_at=WRITTEN_AT,
            paid_at=WRITTEN_AT,
        )
        session.add(statement)
        session.flush()
        session.add(
            CommissionLine(
                registration_id=deal.id,
                partner_id=partner_id,
                amount=Decimal("2000.00"),
                currency="EUR",
                deal_amount=Decimal("40000.00"),
                product_line="network",
                closed_on=date(2026, 11, 12),
                payable_from=date(2026, 11, 12),
                plan_version="2026-01-01",
                plan_sha256="0" * 64,
                explanation=["5 % of 40 000 €"],
                details={},
                statement_id=statement.id,
                created_at=WRITTEN_AT,
            )
        )
        session.commit()
        assert statement.id is not None
        return statement.id
