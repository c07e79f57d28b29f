"""prefect.yaml is loadable, and the delivery flow runs against a real Prefect server."""

from __future__ import annotations

import pytest
import yaml
from prefect.flows import load_flow_from_entrypoint
from prefect.utilities.callables import parameter_schema
from sqlalchemy import Engine
from sqlmodel import Session

from partnerflow.notify import MailSink, TemplateRenderer, enqueue
from partnerflow.orchestration.deployments import read_deployments
from partnerflow.settings import PROJECT_ROOT

DEPLOYMENTS = read_deployments()


@pytest.mark.parametrize("spec", DEPLOYMENTS, ids=lambda spec: spec.name)
def test_entrypoint_loads_and_its_parameters_validate(spec) -> None:
    flow = load_flow_from_entrypoint(spec.resolved_entrypoint)
    schema = parameter_schema(flow)
    assert set(spec.parameters) <= set(schema.properties)
    if not set(schema.required or []) - set(spec.parameters):
        flow.validate_parameters(spec.parameters)
    assert flow.description, "the flow docstring becomes the deployment's help text"


@pytest.mark.parametrize("spec", DEPLOYMENTS, ids=lambda spec: spec.name)
def test_flow_modules_keep_their_annotations_evaluated(spec) -> None:
    """Loaded from its entrypoint, a flow whose module postpones annotations cannot resolve a
    parameter type such as ``QuarterLabel`` when a run starts with that parameter: the run failed
    ("Partner_SurveyModel is not fully defined") while calling the flow in-process worked."""
    source = spec.entrypoint_path.read_text(encoding="utf-8")
    assert "from __future__ import annotations" not in source


def test_every_deployment_uses_the_shared_pool_and_enforces_its_schema() -> None:
    document = yaml.safe_load((PROJECT_ROOT / "prefect.yaml").read_text("utf-8"))
    for entry in document["deployments"]:
        assert entry["work_pool"]["name"] == "partnerflow"
        assert entry["enforce_parameter_schema"] is True


@pytest.mark.prefect
def test_delivery_flow_sends_the_outbox(prefect_server: None, engine: Engine, smtp_server: MailSink) -> None:
    from flows.notification_delivery import deliver_notifications

    renderer = TemplateRenderer(PROJECT_ROOT / "email_templates")
    sample = yaml.safe_load((PROJECT_ROOT / "email_templates" / "samples.yaml").read_text("utf-8"))
    with Session(engine) as session:
        enqueue(
            session,
            renderer=renderer,
            dedupe_key="flow-test:1",
            recipient="a@b.example",
            template="partner_welcome",
            locale="en",
            context=sample["partner_welcome"],
        )
        session.commit()
    first = deliver_notifications()
    second = deliver_notifications()
    assert first.sent == 1 and second.sent == 0
    assert len(smtp_server.messages()) == 1


@pytest.mark.prefect
def test_the_server_refuses_a_run_whose_parameter_is_out_of_range(prefect_server: None) -> None:
    """What a script or the UI gets for registration 2^63: HTTP 409 naming the field, no run."""
    from prefect.client.orchestration import get_client
    from prefect.exceptions import PrefectHTTPStatusError

    spec = next(spec for spec in DEPLOYMENTS if spec.name == "accrue-commission")
    flow = load_flow_from_entrypoint(spec.resolved_entrypoint)
    with get_client(sync_client=True) as client:
        deployment_id = client.create_deployment(
            flow_id=client.create_flow(flow),
            name="hostile-parameters",
            parameter_openapi_schema=parameter_schema(flow).model_dump_for_openapi(),
            enforce_parameter_schema=True,
        )
        runs_before = len(client.read_flow_runs())
        with pytest.raises(PrefectHTTPStatusError) as refused:
            client.create_flow_run_from_deployment(deployment_id, parameters={"registration_id": 2**63})
        assert len(client.read_flow_runs()) == runs_before
    assert refused.value.response.status_code == 409
    assert "Validation failed for field 'registration_id'" in refused.value.response.json()["detail"]


def test_every_interval_sweep_runs_one_at_a_time_and_cancels_a_tick_that_overlaps() -> None:
    """A sweep on an interval picks up all the work due: a second one started while the first
    still runs would only compete for the runner's five process slots (test_up saw the review a
    person waited on start 106 s late behind piled-up ``deliver-notifications`` ticks)."""
    one_at_a_time = {"limit": 1, "collision_strategy": "CANCEL_NEW"}
    on_interval = [spec for spec in DEPLOYMENTS if any("interval" in entry for entry in spec.schedules)]
    sweeps = [spec for spec in on_interval if not spec.triggers]
    assert {spec.name for spec in sweeps} >= {"deliver-notifications", "distribute-leads"}
    for spec in sweeps:
        assert spec.concurrency_limit == one_at_a_time, spec.name
    for spec in DEPLOYMENTS:  # each event gets its run: two crashes at once, two reruns
        if spec.triggers:
            assert spec.concurrency_limit != one_at_a_time, spec.name


@pytest.mark.prefect
def test_the_server_cancels_a_sweep_started_while_the_previous_one_runs(prefect_server: None) -> None:
    """What serve() registers from prefect.yaml: the second run is Cancelled before any process."""
    from prefect.client.orchestration import get_client
    from prefect.states import Pending

    from partnerflow.orchestration.serving import deployment_concurrency

    spec = next(spec for spec in DEPLOYMENTS if spec.name == "deliver-notifications")
    flow = load_flow_from_entrypoint(spec.resolved_entrypoint)
    deployment = flow.to_deployment(
        name="one-sweep-at-a-time", concurrency_limit=deployment_concurrency(spec.concurrency_limit)
    )
    deployment_id = deployment.apply()
    with get_client(sync_client=True) as client:
        first, second = (client.create_flow_run_from_deployment(deployment_id) for _ in range(2))
        taken = client.set_flow_run_state(first.id, Pending())
        refused = client.set_flow_run_state(second.id, Pending())
    assert taken.state is not None and taken.state.is_pending()
    assert refused.state is not None and refused.state.is_cancelled()
    assert refused.state.message == "Deployment concurrency limit reached."
