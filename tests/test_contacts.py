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
from tests.factories import RENDERER, add_partner, add_person

runner = CliRunner()


def test_a_partner_writes_to_its_departements_manager(engine: Engine) -> None:
    with Session(engine) as session:
        add_person(session, "first@vendor.example", Role.CHANNEL_MANAGER)
        add_person(session, "lyon@vendor.example", Role.CHANNEL_MANAGER)
        lyon = add_partner(session, territory="69", email="ventes@lyon.example")
        paris = add_partner(session, name="Paris Réseaux SAS", territory="75", email="ventes@paris.example")
        assign_manager(session, "69", "Lyon@vendor.example", actor="operator:test")
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
        assign_manager(session, "69", "lyon@vendor.example", actor="operator:test")
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
                assign_manager(session, code, email, actor="operator:test")
            except LookupError as error:
                assert problem in str(error)
            else:
                raise AssertionError(f"{email} became the contact of {code}")
        assert session.get(Territory, "69").channel_manager_id is None  # type: ignore[union-attr]


def test_partners_manager_sets_the_contact_from_the_command_line(engine: Engine) -> None:
    with Session(engine) as session:
        add_person(session, "lyon@vendor.example", Role.CHANNEL_MANAGER)
        add_partner(session, territory="69")
        session.commit()
    done = runner.invoke(app, ["partners", "manager", "69", "lyon@vendor.example"])
    refused = runner.invoke(app, ["partners", "manager", "69", "someone@elsewhere.example"])
    assert done.exit_code == 0 and "Rhône (69): Lyon <lyon@vendor.example>" in done.stdout
    assert (
        refused.exit_code == 2
        and "someone@elsewhere.example is not an active channel manager" in refused.output
    )


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
