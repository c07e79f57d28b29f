"""The forms people fill in, as Prefect draws them: every deployment's custom-run form and every
decision's Resume form. A channel manager who has never seen Prefect must not meet a "type None"
toggle, a number-or-text switch, a JSON editor for a known list, or a free-text box where the
programme knows the choices."""

from __future__ import annotations

import json
from typing import Any

import pytest
from prefect.flows import load_flow_from_entrypoint
from prefect.input import RunInput
from prefect.utilities.callables import parameter_schema

from flows.deal_close_review import CloseAnswer
from flows.deal_registration import ReviewDecision
from flows.discount_campaign import FORMS, SignOffForm
from flows.partner_admission import AdmissionAnswer
from flows.partner_health import HealthActions
from flows.partner_removal import RemovalAnswer
from flows.referral_pilot_review import PilotDecision
from flows.referral_review import ReferralAnswer
from flows.reseller_rebalancing import ManagerApproval
from partnerflow.catalogue import product_lines
from partnerflow.orchestration.deployments import read_deployments
from partnerflow.territories import ORDERED_CODES

DEPLOYMENTS = read_deployments()
DECISION_FORMS: list[type[RunInput]] = [
    ReviewDecision,
    CloseAnswer,
    SignOffForm,
    *FORMS.values(),
    AdmissionAnswer,
    HealthActions,
    RemovalAnswer,
    PilotDecision,
    ReferralAnswer,
    ManagerApproval,
]


def deployment_schema(name: str) -> dict[str, Any]:
    [spec] = [spec for spec in DEPLOYMENTS if spec.name == name]
    schema: dict[str, Any] = parameter_schema(
        load_flow_from_entrypoint(spec.resolved_entrypoint)
    ).model_dump_for_openapi()
    return schema


def toggles(schema: dict[str, Any], path: str = "") -> list[str]:
    """Where the schema offers a choice of types (``anyOf``/``oneOf``): a toggle on the form."""
    found = []
    if isinstance(schema, dict):
        if "anyOf" in schema or "oneOf" in schema or isinstance(schema.get("type"), list):
            found.append(path or "/")
        for key, value in schema.items():
            found += toggles(value, f"{path}/{key}")
    elif isinstance(schema, list):
        for index, value in enumerate(schema):
            found += toggles(value, f"{path}/{index}")
    return found


@pytest.mark.parametrize("spec", DEPLOYMENTS, ids=lambda spec: spec.name)
def test_no_custom_run_form_offers_a_choice_of_types(spec) -> None:
    assert toggles(deployment_schema(spec.name)) == []


@pytest.mark.parametrize("form", DECISION_FORMS, ids=lambda form: form.__name__)
def test_no_decision_form_offers_a_choice_of_types_and_the_decision_is_a_list(form: type[RunInput]) -> None:
    schema = form.model_json_schema()
    assert toggles(schema) == []
    decision = schema["properties"]["decision"]
    assert decision.get("enum") or decision.get("const"), "the decision is chosen, not typed"
    assert "additionalProperties" not in json.dumps(schema["properties"]), "no JSON editor for a known set"
    assert "approval_code" in schema["required"], (
        "the code is not shown as optional: nothing counts without it"
    )


def test_the_registration_form_offers_the_catalogue_and_the_departements() -> None:
    fields = deployment_schema("register-deal")["definitions"]["DealSubmission"]["properties"]
    assert fields["product_lines"]["items"]["enum"] == list(product_lines())
    assert fields["customer_departement"]["enum"] == list(ORDERED_CODES)
    assert fields["amount"]["type"] == "number"
    assert fields["expected_close_on"] == {"format": "date", "title": "Expected close date", "type": "string"}
    assert "null" not in json.dumps(fields)


def test_the_campaign_form_offers_the_catalogue_départements_and_tiers() -> None:
    definitions = deployment_schema("discount-campaign")["definitions"]
    fields = definitions["CampaignRequest"]["properties"]
    assert fields["product_line"]["enum"] == list(product_lines())
    assert fields["territories"]["items"]["enum"] == list(ORDERED_CODES)
    assert definitions["PartnerTier"]["enum"] == ["registered", "silver", "gold", "platinum"]
    assert {fields[name]["type"] for name in ("discount_pct", "stock_value")} == {"number"}
    assert {fields[name]["format"] for name in ("starts_on", "ends_on")} == {"date"}


def test_an_optional_parameter_left_empty_means_its_default() -> None:
    [spec] = [spec for spec in DEPLOYMENTS if spec.name == "commission-settlement"]
    flow = load_flow_from_entrypoint(spec.resolved_entrypoint)
    assert flow.validate_parameters({"period": ""}) == {"period": None}  # last month
    assert flow.validate_parameters({"period": "2026-10"}) == {"period": "2026-10"}
    period = deployment_schema("commission-settlement")["properties"]["period"]
    assert period["type"] == "string" and period["pattern"].endswith(")?$")
