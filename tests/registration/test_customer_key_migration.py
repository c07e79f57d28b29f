"""Migration 0029 computes name keys again: a name in another script gets a key of its own, ASCII
names keep theirs, and what holds only the key follows the row it came from."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from partnerflow.db import get_engine, migrate
from partnerflow.models import ProtectionClaim, Registration, RegistrationStatus
from partnerflow.settings import Settings
from tests.factories import WRITTEN_AT, partner_before_contacts


@pytest.fixture
def at_0028(settings: Settings) -> Iterator[Engine]:
    migrate(settings.database_url, "0028")
    engine = get_engine(settings.database_url)
    yield engine


def registration(session: Session, partner_id: int, name: str, key: str) -> int:
    row = Registration(
        submitted_at=WRITTEN_AT,
        partner_id=partner_id,
        status=RegistrationStatus.APPROVED,
        customer_name=name,
        customer_key=key,
        product_lines=["network"],
        submission={},
        facts={},
        reason_texts={},
    )
    session.add(row)
    session.flush()
    return row.id or 0


def test_names_in_other_scripts_get_their_own_keys_and_claims_follow(
    settings: Settings, at_0028: Engine
) -> None:
    partner = partner_before_contacts(at_0028)
    with Session(at_0028) as session:
        russian = registration(session, partner, "Газпром", "name:")  # the key the ASCII fold gave
        polish = registration(session, partner, "Łódź Logistics", "name:odz logistics")
        plain = registration(session, partner, "Acme Industrie SAS", "name:acme industrie")
        session.add(
            ProtectionClaim(
                created_at=WRITTEN_AT, customer_key="name:", product_line="network", registration_id=russian
            )
        )
        session.add(
            ProtectionClaim(
                created_at=WRITTEN_AT,
                customer_key="name:acme industrie",
                product_line="network",
                registration_id=plain,
            )
        )
        session.commit()

    migrate(settings.database_url)

    with Session(at_0028) as session:
        keys = {row.id: row.customer_key for row in session.exec(select(Registration))}
        claims = {row.registration_id: row.customer_key for row in session.exec(select(ProtectionClaim))}
    assert keys == {russian: "name:ra3πpom", polish: "name:lodz logistics", plain: "name:acme industrie"}
    assert claims == {russian: "name:ra3πpom", plain: "name:acme industrie"}


def test_a_claim_that_would_collide_keeps_its_key_and_is_named(
    settings: Settings, at_0028: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    """Two partners protected one company under two spellings before: the migration cannot choose
    between them, so it keeps both and says which, for a person to merge."""
    partner = partner_before_contacts(at_0028)
    with Session(at_0028) as session:
        disguised = registration(session, partner, "АСМЕ", "name:")  # Cyrillic capitals
        plain = registration(session, partner, "ACME", "name:acme")
        session.add(
            ProtectionClaim(
                created_at=WRITTEN_AT, customer_key="name:", product_line="network", registration_id=disguised
            )
        )
        session.add(
            ProtectionClaim(
                created_at=WRITTEN_AT, customer_key="name:acme", product_line="network", registration_id=plain
            )
        )
        session.commit()

    migrate(settings.database_url)

    with Session(at_0028) as session:
        claims = {row.registration_id: row.customer_key for row in session.exec(select(ProtectionClaim))}
    assert claims == {disguised: "name:", plain: "name:acme"}
    assert "key 'name:' kept, 'name:acme' is another row's: merge them by hand" in caplog.text
