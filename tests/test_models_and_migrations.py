"""Tables and migrations agree, on SQLite and on PostgreSQL; the data rules hold in the database."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, delete, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, select

from partnerflow.audit import record_event
from partnerflow.db import alembic_config, make_engine, migrate
from partnerflow.models import (
    AuditEvent,
    AuditTrailIsAppendOnly,
    ContactRole,
    Lead,
    LeadEvent,
    LeadState,
    LeadTurn,
    Locale,
    Partner,
    Person,
    Role,
    SignInLink,
    Territory,
    TurnState,
)
from partnerflow.partner_access import claim, make_api_key
from tests.factories import LINKS, NOW, add_partner, add_person, partner_before_contacts
from tests.rebalancing.leadbook import add_reseller


def schema_drift(engine: Engine) -> list[object]:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, SQLModel.metadata))


def test_migrations_match_the_models_on_sqlite(engine: Engine) -> None:
    assert schema_drift(engine) == []


@pytest.mark.postgres
def test_migrations_match_the_models_on_postgresql(postgres_engine: Engine) -> None:
    assert schema_drift(postgres_engine) == []


@pytest.mark.postgres
def test_partner_round_trip_on_postgresql(postgres_engine: Engine) -> None:
    with Session(postgres_engine) as session:
        partner = add_partner(session, name="Société Générale d'Intégration")
        session.commit()
        loaded = session.get(Partner, partner.id)
    assert loaded is not None and loaded.emails == ["contact@reseaux-test.example"]
    assert loaded.created_at.tzinfo is not None


def test_timestamps_come_back_timezone_aware_from_sqlite(engine: Engine) -> None:
    with Session(engine) as session:
        partner_id = add_partner(session).id
        session.commit()
    with Session(engine) as session:
        partner = session.get(Partner, partner_id)
    assert partner is not None and partner.created_at.tzinfo == UTC


def test_naive_timestamps_are_refused(engine: Engine) -> None:
    with Session(engine) as session:
        add_partner(session)
        session.add(
            AuditEvent(
                actor="a",
                action="b",
                subject_type="c",
                subject_id="d",
                occurred_at=datetime(2026, 1, 1),
            )
        )
        with pytest.raises(Exception, match="naive datetime"):
            session.flush()


def test_json_details_come_back_as_written_and_a_timestamp_in_them_is_refused(engine: Engine) -> None:
    details = {"figures": [1.5, None, "Côte-d'Or"], "by_reseller": {7: 3}}
    with Session(engine) as session:
        record_event(
            session, actor="a", action="b", subject_type="c", subject_id="d", now=NOW, details=details
        )
        session.commit()
    with Session(engine) as session:
        stored = session.exec(select(AuditEvent).where(AuditEvent.subject_id == "d")).one()
        assert stored.details == {"figures": [1.5, None, "Côte-d'Or"], "by_reseller": {"7": 3}}
        with pytest.raises(Exception, match="not JSON serializable"):
            record_event(
                session, actor="a", action="b", subject_type="c", subject_id="e", now=NOW, details={"at": NOW}
            )
            session.flush()


def test_a_territory_with_partners_cannot_be_deleted(engine: Engine) -> None:
    with Session(engine) as session:
        add_partner(session, territory="69")
        session.commit()
        with pytest.raises(IntegrityError):
            session.exec(delete(Territory).where(Territory.code == "69"))  # type: ignore[call-overload]
            session.flush()


def test_audit_events_cannot_be_changed(engine: Engine) -> None:
    with Session(engine) as session:
        event = record_event(
            session,
            now=datetime(2026, 11, 23, tzinfo=UTC),
            actor="system:test",
            action="deal.approved",
            subject_type="registration",
            subject_id=1,
        )
        session.commit()
        event.action = "deal.rejected"
        session.add(event)
        with pytest.raises(AuditTrailIsAppendOnly):
            session.flush()


def test_audit_events_cannot_be_deleted(engine: Engine) -> None:
    with Session(engine) as session:
        event = record_event(
            session,
            now=datetime(2026, 11, 23, tzinfo=UTC),
            actor="system:test",
            action="x",
            subject_type="y",
            subject_id=1,
        )
        session.commit()
        session.delete(event)
        with pytest.raises(AuditTrailIsAppendOnly):
            session.flush()


def test_a_person_holds_several_roles(engine: Engine) -> None:
    with Session(engine) as session:
        add_person(session, "ana@vendor.example", Role.CHANNEL_MANAGER, Role.FINANCE)
        session.commit()
    with Session(engine) as session:
        loaded = session.exec(select(Person)).one()
    assert loaded.roles == {Role.CHANNEL_MANAGER, Role.FINANCE}


def test_contact_addresses_become_contacts_and_come_back(tmp_path: Path) -> None:
    """0032: each address a contact in the partner's locale, the first its admin, a repeated
    one once; the downgrade writes them back, admins first."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    migrate(url, "0031")
    old = make_engine(url)
    partner_before_contacts(
        old, ("Admin@Lyon.example", "ventes@lyon.example", "admin@lyon.example"), locale="en"
    )
    old.dispose()
    migrate(url, "0032")
    engine = make_engine(url)
    with Session(engine) as session:
        partner = session.exec(select(Partner)).one()
        assert [(c.email, c.role, c.locale) for c in partner.contacts] == [
            ("admin@lyon.example", ContactRole.ADMIN, Locale.EN),
            ("ventes@lyon.example", ContactRole.SALES, Locale.EN),
        ]
        assert partner.primary_email == "admin@lyon.example"
    engine.dispose()
    command.downgrade(alembic_config(url), "0031")
    with make_engine(url).connect() as connection:
        stored = connection.execute(text("SELECT contact_emails FROM partner")).scalar_one()
    assert json.loads(stored) == ["admin@lyon.example", "ventes@lyon.example"]


def test_a_sign_in_link_opens_for_exactly_one_holder(engine: Engine) -> None:
    with Session(engine) as session:
        partner = add_partner(session)
        person = add_person(session, "chef@vendor.example", Role.CHANNEL_MANAGER)
        at = datetime(2026, 12, 1, tzinfo=UTC)
        times = {"issued_at": at, "expires_at": at}
        session.add(
            SignInLink(person_id=person.id, contact_id=partner.contacts[0].id, nonce_digest="a", **times)
        )
        with pytest.raises(IntegrityError):
            session.flush()
        session.rollback()
        session.add(SignInLink(nonce_digest="b", **times))
        with pytest.raises(IntegrityError):
            session.flush()


def test_a_migration_that_copies_a_referred_table_keeps_what_refers_to_it(tmp_path: Path) -> None:
    """0034 copies api_key on SQLite (its partner becomes optional) while stored Idempotency-Key
    answers refer to a key: they stay, and the key keeps its partner."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    migrate(url, "0033")
    engine = make_engine(url)
    with Session(engine) as session:
        partner_id = add_partner(session).id or 0
        made = make_api_key(
            session,
            LINKS.keys,
            partner_id,
            name="CRM",
            scopes=["registrations:read"],
            created_by="t",
            now=NOW,
        )
        claim(session, made.row.id or 0, "retry-1", "digest", now=NOW)
        session.commit()
    engine.dispose()
    migrate(url)
    with make_engine(url).connect() as connection:
        kept = connection.execute(text("SELECT count(*) FROM idempotent_response")).scalar_one()
        owner = connection.execute(text("SELECT partner_id FROM api_key")).scalar_one()
    assert (kept, owner) == (1, partner_id)


def test_stored_leads_become_turns_of_their_reseller_and_come_back(tmp_path: Path) -> None:
    """0035: each stored lead a recorded turn of its reseller, its events naming that reseller;
    the downgrade gives each lead back its first reseller."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    migrate(url, "0034")
    old = make_engine(url)
    reseller = add_reseller(old)
    with old.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO lead (id, departement, reseller_id, received_at) VALUES ('L-1', '69', :p, :at)"
            ),
            {"p": reseller, "at": NOW},
        )
        connection.execute(
            text(
                "INSERT INTO leadevent (id, lead_id, kind, occurred_at) VALUES ('E-1', 'L-1', 'opened', :at)"
            ),
            {"at": NOW},
        )
    old.dispose()
    migrate(url, "0035")
    engine = make_engine(url)
    with Session(engine) as session:
        turn = session.exec(select(LeadTurn)).one()
        assert (turn.lead_id, turn.reseller_id, turn.state, turn.received_at) == (
            "L-1",
            reseller,
            TurnState.RECORDED,
            NOW,
        )
        assert session.exec(select(LeadEvent.reseller_id)).one() == reseller
        assert session.exec(select(Lead.state)).one() is LeadState.HISTORY
    engine.dispose()
    command.downgrade(alembic_config(url), "0034")
    with make_engine(url).connect() as connection:
        assert connection.execute(text("SELECT reseller_id FROM lead")).scalar_one() == reseller


def test_a_lead_has_one_holder_at_a_time(engine: Engine) -> None:
    partner, other = add_reseller(engine), add_reseller(engine)
    with Session(engine) as session:
        session.add(Lead(id="L-1", departement="69", received_at=NOW, state=LeadState.OFFERED))
        session.add(LeadTurn(lead_id="L-1", reseller_id=partner, state=TurnState.OFFERED, received_at=NOW))
        session.commit()
        session.add(LeadTurn(lead_id="L-1", reseller_id=other, state=TurnState.ACCEPTED, received_at=NOW))
        with pytest.raises(IntegrityError):
            session.commit()
        session.rollback()
        session.exec(select(LeadTurn)).one().state = TurnState.WITHDRAWN
        session.add(LeadTurn(lead_id="L-1", reseller_id=other, state=TurnState.OFFERED, received_at=NOW))
        session.commit()
