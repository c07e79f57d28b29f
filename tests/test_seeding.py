"""The demo network is deterministic, plausible and complete."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session, select
from stdnum import iban
from stdnum.fr import siren

from partnerflow.db import make_engine, migrate
from partnerflow.models import Partner, Person, Role
from partnerflow.sample_data.network import seed_demo_leads, seed_demo_network
from tests.factories import NOW


def seeded(engine: Engine, **options: int) -> list[Partner]:
    with Session(engine) as session:
        seed_demo_network(session, now=NOW, **options)
        session.commit()
        return list(session.exec(select(Partner).order_by(Partner.id)))  # type: ignore[arg-type]


def test_same_seed_gives_the_same_network(engine: Engine, tmp_path: Path) -> None:
    other_url = f"sqlite:///{tmp_path / 'other.db'}"
    migrate(other_url)
    first = [(p.name, p.siren, p.tier) for p in seeded(engine)]
    second = [(p.name, p.siren, p.tier) for p in seeded(make_engine(other_url))]
    assert first == second


def test_identifiers_have_valid_check_digits(engine: Engine) -> None:
    for partner in seeded(engine):
        assert siren.is_valid(partner.siren)
        assert iban.is_valid(partner.iban)


def test_every_role_has_people(engine: Engine) -> None:
    seeded(engine)
    with Session(engine) as session:
        roles = {role for person in session.exec(select(Person)) for role in person.roles}
    assert roles == set(Role)


def test_both_locales_and_several_tiers_are_present(engine: Engine) -> None:
    partners = seeded(engine)
    assert {p.locale for p in partners} == {"fr", "en"}
    assert len({p.tier for p in partners}) >= 3


def test_seeding_twice_adds_nothing(engine: Engine) -> None:
    first = len(seeded(engine))
    with Session(engine) as session:
        report = seed_demo_network(session, now=NOW)
    assert report.already_seeded and report.partners == first


def test_scale_grows_the_network(engine: Engine) -> None:
    assert len(seeded(engine, scale=3)) > 3 * 36


def test_zero_leads_per_reseller_seeds_no_lead(engine: Engine) -> None:
    seeded(engine)
    with Session(engine) as session:
        none = seed_demo_leads(session, today=date(2026, 11, 30), leads_per_reseller=0)
        some = seed_demo_leads(session, today=date(2026, 11, 30), leads_per_reseller=24)
    assert (none.leads, none.events) == (0, 0)
    assert some.leads > 0, "with a positive rate every reseller has at least one lead"


def test_seeded_partner_names_carry_no_internal_code(engine: Engine) -> None:
    names = [partner.name for partner in seeded(engine)]
    assert names and not [name for name in names if re.search(r"\(\w+-\d+\)", name)]
    assert len(set(names)) == len(names), "every partner reads its own name"
