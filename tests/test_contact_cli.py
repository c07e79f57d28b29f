"""``partnerflow partners contacts``: the channel team lists a partner's people and, proven by
their own link, adds or removes one; the last admin stays, and a refusal is one line, audited."""

from __future__ import annotations

import json

from sqlalchemy import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner

from partnerflow.cli import app
from partnerflow.models import AuditEvent, Partner, Role
from tests.test_api_key_cli import link_of

runner = CliRunner()


def contacts(partner_id: int) -> list[dict[str, object]]:
    listed = runner.invoke(app, ["partners", "contacts", "list", str(partner_id), "--json"])
    assert listed.exit_code == 0, listed.output
    return list(json.loads(listed.output))


def test_a_channel_manager_adds_a_new_admin_and_removes_the_one_who_left(
    engine: Engine, network: dict[str, int]
) -> None:
    partner = str(network["first"])
    link = link_of(engine, "manager-2@vendor.example", Role.CHANNEL_MANAGER)
    added = runner.invoke(
        app,
        [
            "partners",
            "contacts",
            "add",
            partner,
            "Nouvelle.Admin@Azur.example",
            "--name",
            "Nora Admin",
            "--role",
            "admin",
            "--operator-link",
            link,
        ],
    )
    assert added.exit_code == 0, added.output
    [old, new] = contacts(network["first"])
    assert new["email"] == "nouvelle.admin@azur.example" and new["role"] == "admin"

    second = link_of(engine, "ops@vendor.example", Role.CHANNEL_OPS)
    removed = runner.invoke(
        app, ["partners", "contacts", "remove", partner, str(old["id"]), "--operator-link", second]
    )
    assert removed.exit_code == 0, removed.output
    with Session(engine) as session:
        assert session.get_one(Partner, network["first"]).emails == ["nouvelle.admin@azur.example"]
        actions = [event.action for event in session.exec(select(AuditEvent))]
    assert actions.count("partner-contact.added") == 1 and actions.count("partner-contact.removed") == 1


def test_the_last_admin_stays_and_an_unproven_operator_is_refused_and_audited(
    engine: Engine, network: dict[str, int]
) -> None:
    partner = str(network["first"])
    [only] = contacts(network["first"])
    link = link_of(engine, "manager-2@vendor.example", Role.CHANNEL_MANAGER)
    last = runner.invoke(
        app, ["partners", "contacts", "remove", partner, str(only["id"]), "--operator-link", link]
    )
    unproven = runner.invoke(
        app, ["partners", "contacts", "add", partner, "x@azur.example", "--operator-link", "nope"]
    )
    sales = link_of(engine, "sales@vendor.example", Role.CHANNEL_SALES)
    wrong_role = runner.invoke(
        app, ["partners", "contacts", "add", partner, "x@azur.example", "--operator-link", sales]
    )
    bad_address = runner.invoke(
        app,
        [
            "partners",
            "contacts",
            "add",
            partner,
            "not an address",
            "--operator-link",
            link_of(engine, "ops@vendor.example", Role.CHANNEL_OPS),
        ],
    )

    assert last.exit_code == 1 and "last admin" in last.output
    assert unproven.exit_code == 1 and "--operator-link" in unproven.output
    assert wrong_role.exit_code == 1 and "may not do this" in wrong_role.output
    assert bad_address.exit_code == 1 and "email:" in bad_address.output
    assert all("Traceback" not in answer.output for answer in (last, unproven, wrong_role, bad_address))
    assert [contact["email"] for contact in contacts(network["first"])] == ["contact@azur.example"]
    with Session(engine) as session:
        refusals = session.exec(select(AuditEvent).where(AuditEvent.action == "operator.refused")).all()
    assert len(refusals) == 2
