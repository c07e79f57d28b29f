"""Watchdogs: Prefect automations that mark *Crashed* the runs whose process vanished silently.

A run's process normally reports its own end. When it cannot (its worker killed while the run
was still starting, a host lost, an out-of-memory kill of the whole machine), the run stays
*Pending* or *Running* for ever and nothing retries it (in one CI run, one run in ten of a
worker killed under load never completed and the test waiting for it timed out; its state was
not recorded). Two proactive automations close that gap:

- **stopped-heartbeat**: a *Running* run sends a heartbeat every ``HEARTBEAT_SECONDS``
  (``PREFECT_FLOWS_HEARTBEAT_FREQUENCY``, set in every run's environment by ``prefect.yaml``'s
  work pool variables and by ``partnerflow serve``); no heartbeat and no end within
  ``UNRESPONSIVE_AFTER`` (three beats): the run is marked Crashed. Prefect's documented recipe.
- **never-started**: a *Pending* run (a worker took it) that neither starts nor ends within the
  start timeout is marked Crashed.

Both act only on partnerflow's runs (tag ``partnerflow``). Crashed is where
``recover-crashed-runs`` takes over (it reruns the run; every flow is safe to run again, which
also covers a run wrongly declared dead that finishes after all).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from prefect.events.schemas.automations import AutomationCore

HEARTBEAT_SECONDS = 30  # Prefect's minimum
UNRESPONSIVE_AFTER = timedelta(seconds=3 * HEARTBEAT_SECONDS)
PROGRAMME_TAG = "partnerflow"  # every deployment's tag (prefect.yaml, served_in_thread)
PROGRAMME_TAG_RESOURCE = f"prefect.tag.{PROGRAMME_TAG}"
NAME_PREFIX = "partnerflow: "

# a flow run's state events are prefect.flow-run.<state name>
ENDED = ("Completed", "Failed", "Crashed", "Cancelled", "Cancelling", "Paused", "Suspended")
PUT_BACK = ("Scheduled", "Late", "AwaitingRetry", "AwaitingConcurrencySlot")
STARTED = ("Running", "Retrying")


@dataclass(frozen=True)
class AppliedWatchdog:
    name: str
    created: bool


def _events(*names: str) -> set[str]:
    return {f"prefect.flow-run.{name}" for name in names}


def watchdogs(start_timeout: timedelta) -> list[AutomationCore]:
    """The two automations, as Prefect objects (created or updated by :func:`apply_watchdogs`)."""
    from prefect.client.schemas.objects import StateType
    from prefect.events.actions import ChangeFlowRunState
    from prefect.events.schemas.automations import AutomationCore, EventTrigger, Posture
    from prefect.events.schemas.events import ResourceSpecification

    def crash_if_silent(
        name: str, description: str, after: set[str], expect: set[str], within: timedelta
    ) -> AutomationCore:
        return AutomationCore(
            name=NAME_PREFIX + name,
            description=description,
            trigger=EventTrigger(
                match=ResourceSpecification({"prefect.resource.id": "prefect.flow-run.*"}),
                match_related=ResourceSpecification({"prefect.resource.id": PROGRAMME_TAG_RESOURCE}),
                after=after,
                expect=expect,
                for_each={"prefect.resource.id"},
                posture=Posture.Proactive,
                threshold=1,
                within=within,
            ),
            actions=[ChangeFlowRunState(state=StateType.CRASHED, message=f"{NAME_PREFIX}{description}")],
        )

    return [
        crash_if_silent(
            "stopped-heartbeat",
            f"no heartbeat for {int(UNRESPONSIVE_AFTER.total_seconds())} s: the run's process is gone",
            after=_events("Running", "Retrying", "heartbeat"),
            expect=_events("heartbeat", *ENDED, *PUT_BACK),
            within=UNRESPONSIVE_AFTER,
        ),
        crash_if_silent(
            "never-started",
            f"taken by a worker but not started within {int(start_timeout.total_seconds())} s",
            after=_events("Pending"),
            expect=_events(*STARTED, *ENDED, *PUT_BACK),
            within=start_timeout,
        ),
    ]


async def apply_watchdogs(start_timeout: timedelta) -> list[AppliedWatchdog]:
    """Create the watchdogs, or bring existing ones (same name) up to date; safe to run again."""
    from prefect.client.orchestration import get_client

    applied = []
    async with get_client() as client:
        for automation in watchdogs(start_timeout):
            existing = await client.read_automations_by_name(automation.name)
            if existing:
                await client.update_automation(existing[0].id, automation)
                for duplicate in existing[1:]:
                    await client.delete_automation(duplicate.id)
            else:
                await client.create_automation(automation)
            applied.append(AppliedWatchdog(automation.name, created=not existing))
    return applied
