"""Hostile deployment parameters: what a person types in a custom run, or a script sends to the
API. The server refuses them against the deployment's parameter schema before any run exists
(``enforce_parameter_schema``), with one line naming the field; a run created without the schema
check is refused again by the flow when it starts. Nothing reaches the database."""

from __future__ import annotations

import time
import tracemalloc
from typing import Any

import pytest
from prefect.exceptions import ParameterTypeError
from prefect.flows import Flow, load_flow_from_entrypoint
from prefect.utilities.callables import parameter_schema
from prefect.utilities.schema_tools import ValidationError, validate

from partnerflow.orchestration.deployments import read_deployments
from tests.factories import campaign_request, submission
from tests.hostile.test_cli_corpus import ROW_PROBLEMS

FLOWS: dict[str, Flow[Any, Any]] = {
    spec.name: load_flow_from_entrypoint(spec.resolved_entrypoint) for spec in read_deployments()
}
GOOD_DEAL = submission(1)
BAD_NUMBERS: dict[str, Any] = {
    "2^63": 2**63,
    "10^30": 10**30,
    "zero": 0,
    "negative": -1,
    "a fraction": 1.5,
    "text": "one",
    "a list": [1],
    "an object": {"$gt": 0},
    "null": None,
}
CASES: dict[str, tuple[str, dict[str, Any]]] = {}
for deployment, parameter in (
    ("accrue-commission", "registration_id"),
    ("review-registration", "registration_id"),
    ("request-extension", "registration_id"),
    ("remove-partner", "removal_id"),
    ("review-deal-close", "registration_id"),
    ("review-referral", "referral_id"),
    ("hand-over-lead", "handover_id"),
):
    for name, value in BAD_NUMBERS.items():
        CASES[f"{deployment}: {parameter} {name}"] = (deployment, {parameter: value})
for name, value in BAD_NUMBERS.items():
    CASES[f"campaign-signoff: campaign_id {name}"] = (
        "campaign-signoff",
        {"campaign_id": value, "role": "finance"},
    )
for name, value in {
    "unknown role": "ceo",
    "empty role": "",
    "role as a list": ["finance"],
    "role with a NUL": "fin\x00ance",
}.items():
    CASES[f"campaign-signoff: {name}"] = ("campaign-signoff", {"campaign_id": 1, "role": value})
for name, value in {
    "month 13": "2026-13",
    "month 00": "2026-00",
    "year 0000": "0000-01",
    "words": "last month",
    "a date": "2026-11-30",
    "10,000 characters": "2026-11" * 1500,
    "a number": 202611,
}.items():
    CASES[f"commission-settlement: period {name}"] = ("commission-settlement", {"period": value})
for name, value in BAD_NUMBERS.items():
    if value is not None:  # qualify-referrals without a registration sweeps every pending referral
        CASES[f"qualify-referrals: registration_id {name}"] = (
            "qualify-referrals",
            {"registration_id": value},
        )
for name, value in {"month 13": "2026-13", "words": "this month", "a number": 202611}.items():
    CASES[f"partner-health: month {name}"] = ("partner-health", {"month": value})
for name, value in {
    "month 13": "2026-13",
    "words": "last month",
    "a date": "2026-11-01",
    "a number": 202611,
}.items():
    CASES[f"lead-feedback: month {name}"] = ("lead-feedback", {"month": value})
for name, value in {
    "one object, not a list": {"external_id": "W-1"},
    "text": "every lead of the fair",
    "a list of words": ["W-1", "W-2"],
    "a list of numbers": [1, 2],
}.items():
    CASES[f"lead-intake: leads {name}"] = ("lead-intake", {"leads": value})
for name, value in {"year 0": 0, "year 10^30": 10**30, "year 99999": 99_999, "year as words": "last"}.items():
    CASES[f"reseller-rebalancing: {name}"] = ("reseller-rebalancing", {"year": value})
for name, value in {
    "quarter 5": "2026-Q5",
    "quarter 0": "2026-Q0",
    "lowercase": "2026-q4",
    "words": "this quarter",
    "10,000 characters": "2026-Q4" * 1500,
    "a number": 20264,
}.items():
    CASES[f"partner-survey: quarter {name}"] = ("partner-survey", {"quarter": value})
for name, value in {"chunk 0": 0, "chunk 10^9": 10**9, "chunk -5": -5}.items():
    CASES[f"deal-intake: {name}"] = ("deal-intake", {"chunk_size": value})
for name, value in {"limit 0": 0, "limit 10^30": 10**30}.items():
    CASES[f"deliver-notifications: {name}"] = ("deliver-notifications", {"limit": value})
    CASES[f"deliver-webhooks: {name}"] = ("deliver-webhooks", {"limit": value})
for name, value in {"not a UUID": "'; DROP TABLE flow_run; --", "10,000 characters": "a" * 10_000}.items():
    CASES[f"recover-crashed-runs: flow run id {name}"] = ("recover-crashed-runs", {"flow_run_id": value})
# Well-formed but refused by the intake itself (a close date far away or long past, a SIREN whose
# check fails): the flow records the refusal as `deals submit` does (tests/hostile/test_cli_corpus.py).
DECIDED_BY_THE_INTAKE = {"date 9999-12-31", "date 0001-01-01", "siren of 40 digits", "unknown field"}
for name, change in ROW_PROBLEMS.items():
    if name not in DECIDED_BY_THE_INTAKE:
        CASES[f"register-deal: {name}"] = ("register-deal", {"submission": {**GOOD_DEAL, **change}})
CASES["register-deal: unknown field"] = ("register-deal", {"submission": {**GOOD_DEAL, "admin": True}})
CASES["register-deal: submission as text"] = ("register-deal", {"submission": "approve everything"})
for name, change in {
    "quantity 10^30": {"quantity": 10**30},
    "discount 150 %": {"discount_pct": "150"},
    "discount NaN": {"discount_pct": "NaN"},
    "a 1 MB name": {"name": "x" * 1_000_000},
    "10,000 SKUs": {"skus": ["SW-24P-POE"] * 10_000},
    "requester as an object": {"requester_email": {"$ne": None}},
    "unknown field": {"approved": True},
}.items():
    CASES[f"discount-campaign: {name}"] = ("discount-campaign", {"request": campaign_request(**change)})


def test_the_corpus_covers_every_deployment_with_parameters() -> None:
    with_parameters = {name for name, flow in FLOWS.items() if parameter_schema(flow).properties}
    assert with_parameters - {"deal-intake", "deliver-notifications"} <= {d for d, _ in CASES.values()}
    assert len(CASES) >= 80


@pytest.mark.parametrize("name", list(CASES))
def test_the_server_and_the_flow_refuse_it_in_one_line(name: str) -> None:
    deployment, parameters = CASES[name]
    flow = FLOWS[deployment]
    schema = parameter_schema(flow).model_dump_for_openapi()
    tracemalloc.start()
    started = time.monotonic()
    try:  # what the API answers (HTTP 409 "Error creating flow run: ..."): no run is created
        validate(parameters, schema, raise_on_error=True)
        refused_by_the_server = ""
    except ValidationError as refused:
        refused_by_the_server = str(refused)
    with pytest.raises(ParameterTypeError):  # what JSON Schema cannot say, the flow says at start
        flow.validate_parameters(parameters)
    elapsed, (_, peak) = time.monotonic() - started, tracemalloc.get_traced_memory()
    tracemalloc.stop()
    if refused_by_the_server:
        said = refused_by_the_server
        assert any(f"'{field}" in said for field in parameters), f"names no parameter: {said[:300]}"
        assert "\n" not in said.strip(), said[:300]  # Prefect's line quotes the value: long for long input
    assert elapsed < 5, f"{name}: {elapsed:.1f} s"
    assert peak < 200 * 2**20, f"{name}: {peak / 2**20:.0f} MB"


def test_most_hostile_parameters_never_become_a_run() -> None:
    """The schema refuses what it can express (ranges, lengths, patterns, enums); the rest
    (an impossible date, NaN as text, control characters) is refused when the run starts."""
    refused = 0
    for deployment, parameters in CASES.values():
        schema = parameter_schema(FLOWS[deployment]).model_dump_for_openapi()
        try:
            validate(parameters, schema, raise_on_error=True)
        except ValidationError:
            refused += 1
    assert refused >= 0.7 * len(CASES), f"{refused} of {len(CASES)}"


@pytest.mark.prefect
def test_a_parameter_the_flow_does_not_have_is_refused_by_the_server(prefect_server: None) -> None:
    """Measured before: ``{"removal_id": 3, "admin": true}`` became a run that failed to start
    and that recover-crashed-runs ran again into the same failure."""
    from prefect.deployments import run_deployment
    from prefect.exceptions import PrefectHTTPStatusError

    from flows.partner_removal import remove_partner
    from partnerflow.orchestration.serving import served_in_thread

    with served_in_thread(remove_partner, name="partnerflow-strict-parameters-tests"):
        with pytest.raises(PrefectHTTPStatusError) as refused:
            run_deployment(
                "remove-partner/remove-partner", parameters={"removal_id": 3, "admin": True}, timeout=0
            )
        accepted = run_deployment("remove-partner/remove-partner", parameters={"removal_id": 3}, timeout=0)
    assert refused.value.response.status_code == 409 and "admin" in refused.value.response.text
    assert accepted.id is not None  # type: ignore[union-attr]
