"""A real install is loaded from files, not the demo's seed: the vendor's people (the first file
without a link, naming a programme owner who proves every change after it) and the partner file.
A file is all or nothing, each refused row named; the same file twice changes nothing; a file
never changes where a known partner is paid."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import Engine, func
from sqlmodel import Session, select
from typer.testing import CliRunner

from partnerflow.cli import app
from partnerflow.models import AuditEvent, Partner, Person, Territory
from tests.factories import operator_link

runner = CliRunner()
PEOPLE = (
    "email,name,roles,locale,manages\n"
    "Claire.Owner@Vendor.example,Claire Owner,programme-owner;channel-director,fr,\n"
    "camille@vendor.example,Camille Durand,channel-manager,fr,69;2a\n"
    "finn@vendor.example,Finn Ance,finance,en,\n"
)
PARTNERS = (
    "name,siren,departement,tier,certified,locale,contact_email,contact_name,iban,bic,joined_on\n"
    "Azur Réseaux SAS,732829320,69,gold,true,fr,admin@azur.example,Ana Azur,"
    "FR7630004000031234567890143,BNPAFRPPXXX,2024-03-01\n"
    "Corsica Net SARL,552100554,2A,silver,false,en,it@corsica.example,,,,\n"
)


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def owner_link(engine: Engine) -> str:
    with Session(engine) as session:
        link = operator_link(session, "claire.owner@vendor.example")
        session.commit()
    return link


def count(engine: Engine, model: type) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(model)).one()


def test_the_first_people_file_loads_without_a_link_then_only_the_owner_changes_anyone(
    engine: Engine, tmp_path: Path
) -> None:
    people = write(tmp_path, "people.csv", PEOPLE)
    first = runner.invoke(app, ["people", "import", people])
    assert first.exit_code == 0, first.output
    assert "3 added, 0 updated, 0 unchanged (bootstrap" in first.output
    with Session(engine) as session:
        rhone = session.get_one(Territory, "69")
        camille = session.exec(select(Person).where(Person.email == "camille@vendor.example")).one()
        claire = session.exec(select(Person).where(Person.email == "claire.owner@vendor.example")).one()
    assert rhone.channel_manager_id == camille.id and rhone.name == "Rhône", "named from the official list"
    assert {role.value for role in claire.roles} == {"programme-owner", "channel-director"}

    unproven = runner.invoke(app, ["people", "import", people])
    assert unproven.exit_code == 1 and "--operator-link" in unproven.output
    again = runner.invoke(app, ["people", "import", people, "--operator-link", owner_link(engine)])
    assert again.exit_code == 0 and "0 added, 0 updated, 3 unchanged" in again.output

    moved = PEOPLE.replace(
        "finn@vendor.example,Finn Ance,finance", "finn@vendor.example,Finn Ance,channel-ops"
    )
    changed = runner.invoke(
        app, ["people", "import", write(tmp_path, "p2.csv", moved), "--operator-link", owner_link(engine)]
    )
    assert changed.exit_code == 0 and "1 updated" in changed.output
    with Session(engine) as session:
        loaded = session.exec(select(AuditEvent).where(AuditEvent.subject_id == "finn@vendor.example")).all()
    assert loaded[-1].actor == "operator:claire.owner@vendor.example"
    assert (loaded[-1].details["granted"], loaded[-1].details["taken_away"]) == (["channel-ops"], ["finance"])


def test_a_first_file_without_a_programme_owner_or_with_a_bad_row_stores_nothing(
    engine: Engine, tmp_path: Path
) -> None:
    no_owner = write(tmp_path, "p.csv", "email,name,roles\nfinn@vendor.example,Finn,finance\n")
    refused = runner.invoke(app, ["people", "import", no_owner])
    assert refused.exit_code == 1 and "the first file names one" in refused.output
    bad = PEOPLE + (
        "x@vendor.example,X,ceo,fr,\n"
        "not-an-address,Y,finance,fr,\n"
        "z@vendor.example,Z,channel-manager,fr,99\n"
        "w@vendor.example,W,finance,fr,69\n"
        "CAMILLE@vendor.example,Camille bis,channel-manager,fr,\n"
        "v@vendor.example,Bell\x07,finance,fr,\n"
    )
    result = runner.invoke(app, ["people", "import", write(tmp_path, "bad.csv", bad)])
    lines = [line for line in result.output.splitlines() if ": row " in line]
    assert result.exit_code == 1 and len(lines) == 6, result.output
    assert "row 4: roles.0" in lines[0] and "row 5: email" in lines[1]
    assert "'99' is not a département" in lines[2] and "only a channel manager" in lines[3]
    assert "already on row 2" in lines[4] and "control character" in lines[5]
    assert count(engine, Person) == 0 and "Traceback" not in result.output


def test_the_last_programme_owner_stays_and_a_manager_who_leaves_frees_their_departements(
    engine: Engine, tmp_path: Path
) -> None:
    runner.invoke(app, ["people", "import", write(tmp_path, "people.csv", PEOPLE)])
    last = runner.invoke(
        app, ["people", "deactivate", "claire.owner@vendor.example", "--operator-link", owner_link(engine)]
    )
    assert last.exit_code == 1 and "the last programme owner" in last.output
    gone = runner.invoke(
        app, ["people", "deactivate", "camille@vendor.example", "--operator-link", owner_link(engine)]
    )
    assert gone.exit_code == 0, gone.output
    with Session(engine) as session:
        assert session.get_one(Territory, "69").channel_manager_id is None
    exported = runner.invoke(app, ["people", "export"])
    assert "camille@vendor.example" not in exported.output
    assert "claire.owner@vendor.example,Claire Owner,channel-director;programme-owner,fr," in exported.output


def test_the_partner_file_loads_once_and_comes_back_out_the_same(engine: Engine, tmp_path: Path) -> None:
    runner.invoke(app, ["people", "import", write(tmp_path, "people.csv", PEOPLE)])
    partners = write(tmp_path, "partners.csv", PARTNERS)
    loaded = runner.invoke(app, ["partners", "import", partners, "--operator-link", owner_link(engine)])
    assert loaded.exit_code == 0 and "2 added, 0 updated, 0 unchanged" in loaded.output, loaded.output
    with Session(engine) as session:
        azur = session.exec(select(Partner).where(Partner.siren == "732829320")).one()
        corsica = session.exec(select(Partner).where(Partner.siren == "552100554")).one()
    assert (azur.tier.value, azur.certified, azur.iban, azur.contacts[0].email) == (
        "gold",
        True,
        "FR7630004000031234567890143",
        "admin@azur.example",
    )
    assert corsica.territory_code == "2A" and corsica.iban is None and corsica.joined_on is not None

    exported = tmp_path / "export.csv"
    assert runner.invoke(app, ["partners", "export", str(exported)]).exit_code == 0
    again = runner.invoke(app, ["partners", "import", str(exported), "--operator-link", owner_link(engine)])
    assert again.exit_code == 0 and "0 added, 0 updated, 2 unchanged" in again.output, again.output

    promoted = PARTNERS.replace("732829320,69,gold", "732829320,69,platinum")
    updated = runner.invoke(
        app,
        ["partners", "import", write(tmp_path, "p2.csv", promoted), "--operator-link", owner_link(engine)],
    )
    assert updated.exit_code == 0 and "1 updated" in updated.output
    with Session(engine) as session:
        [event] = session.exec(
            select(AuditEvent).where(
                AuditEvent.action == "partner.loaded", AuditEvent.subject_id == str(azur.id)
            )
        ).all()[-1:]
    assert event.details == {"changed": ["tier"]} and event.actor == "operator:claire.owner@vendor.example"


def test_a_bad_partner_row_or_a_new_bank_account_stores_nothing(engine: Engine, tmp_path: Path) -> None:
    runner.invoke(app, ["people", "import", write(tmp_path, "people.csv", PEOPLE)])
    runner.invoke(
        app,
        ["partners", "import", write(tmp_path, "ok.csv", PARTNERS), "--operator-link", owner_link(engine)],
    )
    header = PARTNERS.splitlines()[0]
    bad = "\n".join(
        [
            header,
            "Redirect SAS,732829320,69,gold,true,fr,admin@azur.example,,DE89370400440532013000,,",
            "Checksum SAS,732829321,69,gold,true,fr,a@b.example,,,,",
            "Yes SAS,443061841,69,gold,yes,fr,a@b.example,,,,",
            "Far SAS,404833048,99,gold,true,fr,a@b.example,,,,",
            "Caledonia SAS,382329936,69,gold,true,fr,a@b.example,,FR7630004000031234567890143,BNPANCNXXXX,",
            "Twice SAS,552100554,2A,silver,false,en,it@corsica.example,,,,",
            "Twice Again SAS,552100554,2A,silver,false,en,it@corsica.example,,,,",
            "Later SAS,412345670,69,gold,true,fr,a@b.example,,,,2999-01-01",
        ]
    )
    result = runner.invoke(
        app,
        ["partners", "import", write(tmp_path, "bad.csv", bad + "\n"), "--operator-link", owner_link(engine)],
    )
    assert result.exit_code == 1, result.output
    said = "\n".join(line for line in result.output.splitlines() if ": row " in line)
    for expected in (
        "row 1: iban: partner",
        "row 2: siren",
        "row 3: certified must be true or false",
        "row 4: departement",
        "row 5: iban",
        "row 7: siren: 552100554 is already on row 6",
        "row 8: joined_on: 2999-01-01 is in the future",
    ):
        assert expected in said, (expected, said)
    assert count(engine, Partner) == 2 and "nothing stored: 7 row(s) refused" in result.output
    with Session(engine) as session:
        azur = session.exec(select(Partner).where(Partner.siren == "732829320")).one()
    assert azur.iban == "FR7630004000031234567890143" and azur.name == "Azur Réseaux SAS"
    assert json.loads(runner.invoke(app, ["partners", "contacts", "list", str(azur.id), "--json"]).output)
