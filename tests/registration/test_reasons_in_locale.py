"""A partner reads why in its own language: policy reasons are written per locale (2026-12-01
on), partnerflow's own reasons too; the recorded reason (audit, command line) stays English."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, select

from partnerflow.models import Notification, Partner, Registration
from partnerflow.policy import load_file
from partnerflow.registration.intake import IntakeResult, take_in
from partnerflow.settings import PROJECT_ROOT
from tests.factories import NOW, RENDERER, submission

POLICY_2026_12 = load_file(PROJECT_ROOT / "policies" / "deal_registration" / "2026-12-01.yaml")
DECEMBER = NOW + timedelta(days=10)


def submit(engine: Engine, raw: dict[str, Any]) -> IntakeResult:
    with Session(engine) as session:
        result = take_in(session, raw, policy=POLICY_2026_12, renderer=RENDERER, now=DECEMBER)
        session.commit()
        return result


def rejection_mail(engine: Engine, registration_id: int) -> Notification:
    with Session(engine) as session:
        return session.exec(
            select(Notification).where(Notification.dedupe_key == f"deal-rejected:{registration_id}")
        ).one()


def set_locale(engine: Engine, partner_id: int, locale: str) -> None:
    with Session(engine) as session:
        partner = session.get(Partner, partner_id)
        assert partner is not None
        partner.locale = locale  # type: ignore[assignment]
        session.add(partner)
        session.commit()


def test_a_french_partner_reads_the_policys_reason_in_french(engine: Engine, network: dict[str, int]) -> None:
    submit(engine, submission(network["first"]))
    second = submit(engine, submission(network["second"], customer_email="cfo@acme.fr"))
    mail = rejection_mail(engine, second.registration_id)
    assert (second.rule_id, mail.locale) == ("conflict-protected", "fr")
    assert "Ce client est déjà enregistré par un autre partenaire pour network" in mail.text_body
    assert "This customer" not in mail.text_body
    with Session(engine) as session:
        stored = session.get(Registration, second.registration_id)
        assert stored is not None
    assert (stored.reason or "").startswith("This customer is already registered"), "recorded in English"


def test_an_english_partner_reads_it_in_english(engine: Engine, network: dict[str, int]) -> None:
    set_locale(engine, network["second"], "en")
    submit(engine, submission(network["first"]))
    second = submit(engine, submission(network["second"], customer_email="cfo@acme.fr"))
    assert "This customer is already registered" in rejection_mail(engine, second.registration_id).text_body


def test_partnerflows_own_reason_is_translated_too(engine: Engine, network: dict[str, int]) -> None:
    first = submit(engine, submission(network["first"]))
    again = submit(engine, submission(network["first"]))
    body = rejection_mail(engine, again.registration_id).text_body
    assert again.rule_id == "duplicate-of-own"
    assert f"Vous détenez déjà la protection de ce client (enregistrement n° {first.registration_id}" in body
