"""Every e-mail to a partner names a person to write to: its département's channel manager,
else the first active channel manager, else the programme's address."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner

from partnerflow.cli import app
from partnerflow.contacts import assign_manager, contact_for, contacts_by_territory, lookup
from partnerflow.models import AuditEvent, Notification, Role, Territory
from partnerflow.registration.notices import notify_partner
from tests.factories import NOW, RENDERER, add_partner, add_person, operator_link

runner = CliRunner()


def test_a_partner_writes_to_its_departements_manager(engine: Engine) -> None:
    with Session(engine) as session:
        add_person(session, "first@vendor.example", Role.CHANNEL_MANAGER)
        add_person(session, "lyon@vendor.example", Role.CHANNEL_MANAGER)
        lyon = add_partner(session, territory="69", email="ventes@lyon.example")
        paris = add_partner(session, name="Paris Réseaux SAS", territory="75", email="ventes@paris.example")
        assign_manager(session, "69", "Lyon@vendor.example", actor="operator:test", now=NOW)
        assert contact_for(session, lyon) == {"name": "Lyon", "email": "lyon@vendor.example"}
        assert contact_for(session, paris) == {"name": "First", "email": "first@vendor.example"}  # none set
        contacts = contacts_by_territory(session)
        assert lookup(contacts, lyon)["email"] == "lyon@vendor.example"
        assert lookup(contacts, paris)["email"] == "first@vendor.example"
        [event] = session.exec(
            select(AuditEvent).where(AuditEvent.action == "territory.manager-assigned")
        ).all()
        assert (event.actor, event.subject_id) == ("operator:test", "69")


def test_the_registration_e_mail_names_the_manager_in_its_footer(engine: Engine) -> None:
    with Session(engine) as session:
        add_person(session, "lyon@vendor.example", Role.CHANNEL_MANAGER)
        partner = add_partner(session, territory="69", email="ventes@lyon.example")
        assign_manager(session, "69", "lyon@vendor.example", actor="operator:test", now=NOW)
        registration = _notified()
        notify_partner(session, RENDERER, event="refused", registration=registration, partner=partner)
        session.commit()
        [mail] = session.exec(select(Notification)).all()
    assert "Lyon, votre responsable de canal (lyon@vendor.example)" in mail.text_body
    assert 'href="mailto:lyon@vendor.example"' in mail.html_body


def test_without_any_channel_manager_the_footer_gives_the_programmes_address(engine: Engine) -> None:
    with Session(engine) as session:
        partner = add_partner(session, territory="69", email="ventes@lyon.example")
        assert contact_for(session, partner) == {}
        notify_partner(session, RENDERER, event="refused", registration=_notified(), partner=partner)
        [mail] = session.exec(select(Notification)).all()
    assert "votre responsable de canal" not in mail.text_body


def test_only_an_active_channel_manager_can_be_a_departements_contact(engine: Engine) -> None:
    with Session(engine) as session:
        add_person(session, "finance@vendor.example", Role.FINANCE)
        add_partner(session, territory="69")
        for code, email, problem in (
            ("69", "finance@vendor.example", "is not an active channel manager"),
            ("69", "nobody@vendor.example", "is not an active channel manager"),
            ("13", "finance@vendor.example", "has no partners"),
        ):
            try:
                assign_manager(session, code, email, actor="operator:test", now=NOW)
            except LookupError as error:
                assert problem in str(error)
            else:
                raise AssertionError(f"{email} became the contact of {code}")
        assert session.get(Territory, "69").channel_manager_id is None  # type: ignore[union-attr]


def test_partners_manager_sets_the_contact_from_the_command_line(engine: Engine) -> None:
    with Session(engine) as session:
        add_person(session, "lyon@vendor.example", Role.CHANNEL_MANAGER)
        add_person(session, "ops@vendor.example", Role.CHANNEL_OPS)
        add_partner(session, territory="69")
        links = [operator_link(session, "ops@vendor.example") for _ in range(2)]
        session.commit()
    done = runner.invoke(
        app, ["partners", "manager", "69", "lyon@vendor.example", "--operator-link", links[0]]
    )
    refused = runner.invoke(
        app, ["partners", "manager", "69", "someone@elsewhere.example", "--operator-link", links[1]]
    )
    assert done.exit_code == 0 and "Rhône (69): Lyon <lyon@vendor.example>" in done.stdout
    assert (
        refused.exit_code == 2
        and "someone@elsewhere.example is not an active channel manager" in refused.output
    )
    with Session(engine) as session:
        [assigned] = session.exec(select(AuditEvent).where(AuditEvent.action == "territory.manager-assigned"))
    assert assigned.actor == "operator:ops@vendor.example", "the proven person, not the OS user"


def test_only_a_proven_person_with_the_role_names_a_departements_manager(engine: Engine) -> None:
    with Session(engine) as session:
        add_person(session, "lyon@vendor.example", Role.CHANNEL_MANAGER)
        add_person(session, "finance@vendor.example", Role.FINANCE)
        add_partner(session, territory="69")
        used = operator_link(session, "finance@vendor.example")
        session.commit()
    attempts = {
        "no link": [],
        "a forged link": ["--operator-link", "https://pf.example/signin/1.forged"],
        "finance's own link": ["--operator-link", used],
        "the same link again": ["--operator-link", used],
    }
    outputs = {
        name: runner.invoke(app, ["partners", "manager", "69", "lyon@vendor.example", *extra])
        for name, extra in attempts.items()
    }
    assert all(result.exit_code == 1 for result in outputs.values()), outputs
    assert "it takes one of the roles" in outputs["finance's own link"].output
    assert "used already" in outputs["the same link again"].output
    with Session(engine) as session:
        assert session.get(Territory, "69").channel_manager_id is None  # type: ignore[union-attr]
        refusals = session.exec(select(AuditEvent).where(AuditEvent.action == "operator.refused")).all()
    assert len(refusals) == 4 and {event.details["command"] for event in refusals} == {"partners manager"}


def _notified() -> object:
    """A refused registration as the notices read it."""
    from types import SimpleNamespace

    return SimpleNamespace(
        id=7,
        customer_name="Acme",
        product_lines=["network"],
        amount=12000,
        currency="EUR",
        expected_close_on=None,
        reason_texts={},
        reason="",
        protection_ends_on=None,
        problems=["amount must be greater than 0"],
        info_request=None,
    )
