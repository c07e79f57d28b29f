"""``partnerflow partners api-key``: a proven person of the team makes a partner's key (printed
once), lists its keys (never the key) and revokes it; anyone else is refused and audited."""

from __future__ import annotations

import json
import re

from sqlalchemy import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner

from partnerflow.cli import app
from partnerflow.models import AuditEvent, Role
from partnerflow.partner_access import key_in_use
from tests.factories import LINKS, NOW, add_person, operator_link

runner = CliRunner()
KEY = re.compile(r"pfk_[0-9a-f]{12}_[\w-]+")


def link_of(engine: Engine, email: str, *roles: Role) -> str:
    with Session(engine) as session:
        add_person(session, email, *roles)
        link = operator_link(session, email)
        session.commit()
    return link


def create(partner_id: int, link: str, *scopes: str) -> object:
    options = [option for scope in scopes for option in ("--scope", scope)]
    return runner.invoke(
        app,
        [
            "partners",
            "api-key",
            "create",
            str(partner_id),
            "--name",
            "CRM",
            *options,
            "--operator-link",
            link,
        ],
    )


def live(engine: Engine, key: str) -> bool:
    with Session(engine) as session:
        return key_in_use(session, LINKS.keys, key, now=NOW) is not None


def test_channel_ops_makes_a_key_shown_once_then_lists_and_revokes_it(
    engine: Engine, network: dict[str, int]
) -> None:
    made = create(
        network["first"], link_of(engine, "ops@vendor.example", Role.CHANNEL_OPS), "registrations:write"
    )
    assert made.exit_code == 0, made.output
    [key] = KEY.findall(made.output)
    assert live(engine, key)
    listed = runner.invoke(app, ["partners", "api-key", "list", str(network["first"]), "--json"])
    [row] = json.loads(listed.output)
    assert row["scopes"] == ["registrations:write"] and key not in listed.output
    assert row["created_by"] == "operator:ops@vendor.example"
    link = link_of(engine, "owner@vendor.example", Role.PROGRAMME_OWNER)
    revoked = runner.invoke(app, ["partners", "api-key", "revoke", row["prefix"], "--operator-link", link])
    assert revoked.exit_code == 0 and not live(engine, key)


def test_without_a_proven_entitled_operator_no_key_is_made(engine: Engine, network: dict[str, int]) -> None:
    manager = link_of(engine, "manager2@vendor.example", Role.CHANNEL_MANAGER)
    refused = create(network["first"], manager, "registrations:write")
    assert refused.exit_code == 1 and "may not do this" in refused.output
    assert create(network["first"], "forged", "registrations:write").exit_code == 1
    with Session(engine) as session:
        refusals = session.exec(select(AuditEvent).where(AuditEvent.action == "operator.refused")).all()
    assert len(refusals) == 2 and not KEY.findall(refused.output)


def test_an_unknown_scope_or_partner_is_one_line_and_exit_1(engine: Engine, network: dict[str, int]) -> None:
    link = link_of(engine, "ops@vendor.example", Role.CHANNEL_OPS)
    unknown = create(network["first"], link, "everything")
    assert unknown.exit_code == 1 and "scopes must be among" in unknown.output
    nobody = create(999, link_of(engine, "ops2@vendor.example", Role.CHANNEL_OPS), "registrations:read")
    assert nobody.exit_code == 1 and "partner 999 is not an active partner" in nobody.output
