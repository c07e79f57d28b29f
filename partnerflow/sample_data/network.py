"""A deterministic fictional partner network for the demo, benchmarks and tests.

The same ``seed`` and ``scale`` always give the same network, so figures and screenshots can be
compared between runs. Every name, SIREN and IBAN is made up (with valid check digits).
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, insert
from sqlmodel import Session, col, select
from stdnum import iban, luhn

from partnerflow.clock import programme_date
from partnerflow.contacts import assign_round_robin
from partnerflow.models import (
    ContactRole,
    Lead,
    Partner,
    PartnerContact,
    PartnerTier,
    Person,
    PersonRole,
    Role,
    Territory,
)
from partnerflow.sample_data.leads import SeededLeads, seed_leads
from partnerflow.territories import SEEDING_ORDER, seeded_departements

_PREFIXES = (
    "Alpha",
    "Arche",
    "Azur",
    "Boréal",
    "Cap",
    "Cime",
    "Delta",
    "Écho",
    "Horizon",
    "Iris",
    "Lumen",
    "Méridien",
    "Nova",
    "Opale",
    "Orion",
    "Pixel",
    "Quartz",
    "Rivage",
    "Sigma",
    "Vega",
)
_SUFFIXES = (
    "Informatique",
    "Systèmes",
    "Réseaux",
    "Solutions",
    "Digital",
    "Services IT",
    "Conseil",
    "Intégration",
    "Technologies",
    "Data",
)
_LEGAL_FORMS = ("SAS", "SARL", "SA", "EURL")
_FIRST_NAMES = (
    "Camille",
    "Julien",
    "Sophie",
    "Thomas",
    "Léa",
    "Nicolas",
    "Chloé",
    "Antoine",
    "Manon",
    "Hugo",
    "Inès",
    "Louis",
    "Sarah",
    "Mathieu",
    "Claire",
    "Karim",
)
_LAST_NAMES = (
    "Durand",
    "Martin",
    "Bernard",
    "Petit",
    "Robert",
    "Richard",
    "Moreau",
    "Lefebvre",
    "Garcia",
    "Roux",
    "Fournier",
    "Girard",
    "Bonnet",
    "Dupont",
    "Lambert",
    "Benali",
)
_TIER_WEIGHTS = {
    PartnerTier.REGISTERED: 30,
    PartnerTier.SILVER: 35,
    PartnerTier.GOLD: 25,
    PartnerTier.PLATINUM: 10,
}
PEOPLE_PER_ROLE = 2
VENDOR_DOMAIN = "vendor.example"


@dataclass(frozen=True)
class SeedReport:
    territories: int
    partners: int
    people: int
    already_seeded: bool = False


def seed_demo_network(session: Session, *, now: datetime, scale: int = 1, seed: int = 2026) -> SeedReport:
    """Insert départements, resellers and internal people, unless partners already exist.

    Args:
        scale: 1 covers 12 départements with 3 to 6 resellers each; N covers 12×N départements
            (up to all those known) and, past that, adds resellers per département.
        seed: the random seed; the network is a pure function of (scale, seed, today's year).
        now: when the rows are written; join dates are placed relative to its year.
    """
    today = programme_date(now)
    existing = session.exec(select(func.count()).select_from(Partner)).one()
    if existing:
        people = session.exec(select(func.count()).select_from(Person)).one()
        territories = session.exec(select(func.count()).select_from(Territory)).one()
        return SeedReport(territories, existing, people, already_seeded=True)
    rng = random.Random(seed)
    covered = seeded_departements(min(12 * scale, len(SEEDING_ORDER)))
    density = max(1, (12 * scale) // len(SEEDING_ORDER))
    session.execute(insert(Territory), [{"code": c, "name": n, "region": r} for c, n, r in covered])
    partners = [
        {**_partner(rng, code, name, number, today.year), "created_at": now}
        for code, name, _region in covered
        for number in range(rng.randint(3, 6) * density)
    ]
    _distinct_names(partners)
    names = random.Random(f"contacts:{seed}")  # its own draws: the people keep the names they had
    for partner in partners:
        partner["contact_name"] = f"{names.choice(_FIRST_NAMES)} {names.choice(_LAST_NAMES)}"
    insert_partners(session, partners)
    people = _people(session, rng)
    session.flush()
    assign_round_robin(session)
    return SeedReport(len(covered), len(partners), people)


def insert_partners(session: Session, rows: list[dict[str, Any]]) -> list[int]:
    """Insert partners in bulk, each with its admin contact (``contact_email``, and
    ``contact_name`` if given), for the seed and the benchmarks; returns their ids in order."""
    contacts = [(row.pop("contact_email"), row.pop("contact_name", "")) for row in rows]
    returning = insert(Partner).returning(col(Partner.id), sort_by_parameter_order=True)
    ids = [partner_id for partner_id in session.scalars(returning, rows) if partner_id is not None]
    session.execute(
        insert(PartnerContact),
        [
            {
                "partner_id": partner_id,
                "name": name,
                "email": email,
                "locale": row.get("locale", "fr"),
                "role": ContactRole.ADMIN.value,
                "created_at": row["created_at"],
            }
            for partner_id, (email, name), row in zip(ids, contacts, rows, strict=True)
        ],
    )
    return ids


def _partner(
    rng: random.Random, territory_code: str, territory_name: str, number: int, year: int
) -> dict[str, object]:
    name = f"{rng.choice(_PREFIXES)} {rng.choice(_SUFFIXES)} {rng.choice(_LEGAL_FORMS)}"
    body = f"{rng.randrange(10_000_000, 99_999_999)}"
    tier = rng.choices(list(_TIER_WEIGHTS), weights=list(_TIER_WEIGHTS.values()))[0]
    slug = _slug(name.rsplit(" ", 1)[0])
    bban = f"30004{rng.randrange(10**5):05d}{rng.randrange(10**11):011d}{rng.randrange(100):02d}"
    return {
        "name": _company_name(name, territory_name),
        "siren": body + luhn.calc_check_digit(body),
        "tier": tier.value,
        "certified": tier in (PartnerTier.GOLD, PartnerTier.PLATINUM) or rng.random() < 0.3,
        "status": "active",
        "locale": "en" if rng.random() < 0.15 else "fr",
        "territory_code": territory_code,
        "contact_email": f"contact@{slug}-{territory_code.lower()}-{number + 1}.example",
        "iban": f"FR{iban.calc_check_digits('FR00' + bban)}{bban}",
        "bic": "BNPAFRPPXXX",
        "joined_on": _joined_on(int(body), year),
    }


def _company_name(name: str, territory_name: str) -> str:
    """A name as a company writes it: the brand, where it works, its legal form (no internal code:
    partners read their name in every e-mail)."""
    brand, legal_form = name.rsplit(" ", 1)
    return f"{brand} {territory_name} {legal_form}"


_BRANCHES = ("Nord", "Sud", "Est", "Ouest", "Centre", "Agglomération", "Métropole", "Vallée")


def _distinct_names(partners: list[dict[str, object]]) -> None:
    """Two partners of a département drawn with the same brand get a branch name each after the
    first (deterministic: no random draw, so the rest of the seeded network does not move)."""
    seen: dict[str, int] = {}
    for partner in partners:
        name = str(partner["name"])
        count = seen.get(name, 0)
        seen[name] = count + 1
        if count:
            brand, legal_form = name.rsplit(" ", 1)
            partner["name"] = f"{brand} {_BRANCHES[(count - 1) % len(_BRANCHES)]} {legal_form}"


def _joined_on(number: int, year: int) -> date:
    """Most joined years ago; one in ten joined this summer (too late to be judged this year)."""
    if number % 10 == 0:
        return date(year, 8, 1) + timedelta(days=number % 60)
    return date(year - 9, 1, 1) + timedelta(days=number % (365 * 8))


def _people(session: Session, rng: random.Random) -> int:
    count = 0
    for role in Role:
        for _ in range(PEOPLE_PER_ROLE):
            first, last = rng.choice(_FIRST_NAMES), rng.choice(_LAST_NAMES)
            count += 1
            email = f"{_slug(first)}.{_slug(last)}.{count}@{VENDOR_DOMAIN}"
            person = Person(email=email, name=f"{first} {last}")
            session.add(person)
            session.flush()
            assert person.id is not None
            session.add(PersonRole(person_id=person.id, role=role))
    return count


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "-".join("".join(c if c.isalnum() else " " for c in ascii_text.lower()).split())


def seed_demo_leads(
    session: Session, *, today: date, leads_per_reseller: int = 24, seed: int = 2026
) -> SeededLeads:
    """This year's leads so far for every active reseller, unless this year already has leads."""
    year = today.year
    start = datetime(year, 1, 1, tzinfo=UTC)
    if session.exec(select(func.count()).select_from(Lead).where(col(Lead.received_at) >= start)).one():
        return SeededLeads(0, 0)
    partners = session.exec(
        select(Partner.id, Partner.territory_code).where(Partner.status == "active").order_by(col(Partner.id))
    ).all()
    return seed_leads(
        session,
        [(pid, code) for pid, code in partners if pid is not None],
        year,
        days=max(1, (today - date(year, 1, 1)).days),
        leads_per_reseller=leads_per_reseller,
        seed=seed,
    )
