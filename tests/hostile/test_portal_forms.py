"""Hostile input to the partner portal, served for real: every wrong reading of the deal
corpus typed into *Register a deal* is refused with its reason beside the field (never stored
as if true), poisoned contact fields are refused, and outsider text comes back escaped."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from partnerflow.models import PartnerContact, Registration
from partnerflow.web.portal import FORM_FIELDS
from tests.factories import submission
from tests.hostile.test_accepted_is_true import ROWS
from tests.web.test_portal import AZUR, sign_in


def typed(values: dict[str, Any]) -> dict[str, str] | None:
    """What a person would type for ``values``: text as it is, a list as commas; None for a
    value no form field can carry (a JSON number or boolean, the partner)."""
    form = {}
    for name, value in values.items():
        if name not in FORM_FIELDS:
            return None
        if isinstance(value, list) and all(isinstance(item, str) for item in value):
            form[name] = ",".join(value)
        elif isinstance(value, str):
            form[name] = value
        else:
            return None
    return form


TYPABLE = {name: case for name, case in ROWS.items() if typed(case.change) is not None}


def test_most_of_the_corpus_can_be_typed() -> None:
    assert len(TYPABLE) >= 10, "the form is held to the corpus, not to a handful of it"


@pytest.mark.parametrize("name", list(TYPABLE))
def test_a_wrong_reading_typed_in_the_portal_is_refused_with_its_reason(
    name: str, portal: httpx.Client, engine: Engine, network: dict[str, int]
) -> None:
    case = TYPABLE[name]
    sign_in(portal, engine, AZUR)
    good = {**submission(network["first"]), "product_lines": "network", "amount": "12000"}
    good.pop("partner_id")
    form = {**good, **(typed(case.change) or {})}

    answer = portal.post("/portal/registrations/new", data=form)

    assert answer.status_code == 422, f"{name}: accepted"
    with Session(engine) as session:
        stored = session.exec(select(Registration).order_by(col(Registration.id).desc())).first()
    assert stored is not None and stored.outcome == "refused", f"{name}: stored as {stored}"
    assert any(case.reason in problem for problem in stored.problems), f"{name}: {stored.problems}"
    assert 'class="error"' in answer.text and "Traceback" not in answer.text


@pytest.mark.parametrize(
    ("field", "value", "why"),
    [
        ("email", "ventes@azur.example\r\nBcc: all@elsewhere.example", "email:"),
        ("email", "ventes@azur.example, boss@elsewhere.example", "email:"),
        ("email", "x" * 300 + "@azur.example", ""),
        ("name", "Léa \x1b[2J Martin", "name:"),
        ("name", "Léa \u202e Martin", "name:"),
        ("role", "owner", "role"),
        ("locale", "de", "locale"),
    ],
)
def test_a_poisoned_contact_is_refused_and_nothing_is_added(
    field: str, value: str, why: str, portal: httpx.Client, engine: Engine, network: dict[str, int]
) -> None:
    sign_in(portal, engine, AZUR)
    answer = portal.post(
        "/portal/contacts", data={"email": "ventes@azur.example", "name": "Léa", field: value}
    )

    assert answer.status_code == 422 and why in answer.text and "Traceback" not in answer.text
    with Session(engine) as session:
        assert len(session.exec(select(PartnerContact)).all()) == 3, "the network's three admins only"


def test_outsider_text_comes_back_escaped(
    portal: httpx.Client, engine: Engine, network: dict[str, int]
) -> None:
    sign_in(portal, engine, AZUR)
    form = {**submission(network["first"]), "product_lines": "network", "amount": "12000"}
    form.pop("partner_id")
    form["customer_name"] = 'Acme <script>alert(1)</script> "SAS"'
    portal.post("/portal/registrations/new", data=form)
    portal.post("/portal/contacts", data={"email": "x@azur.example", "name": "<img src=x onerror=alert(1)>"})

    pages = [portal.get("/portal").text, portal.get("/portal/contacts").text]
    assert all("<script>" not in page and "<img src=x" not in page for page in pages)
    assert "&lt;script&gt;" in pages[0] and "&lt;img src=x" in pages[1]
