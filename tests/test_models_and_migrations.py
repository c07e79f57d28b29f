"""Tables and migrations agree, on SQLite and on PostgreSQL; the data rules hold in the database."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, select

from partnerflow.audit import record_event
from partnerflow.models import AuditEvent, AuditTrailIsAppendOnly, Partner, Person, Role, Territory
from tests.factories import add_partner, add_person


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
    assert loaded is not None and loaded.contact_emails == ["contact@reseaux-test.example"]
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
