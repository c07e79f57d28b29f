"""The watchdogs that mark silently dead runs Crashed are installed once and kept up to date.

That they fire (a run left Pending or Running with nothing behind it is crashed and run again)
is shown on the distributed topology, ``tests/system/test_distributed.py``.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from prefect.client.orchestration import get_client

from partnerflow.orchestration.watchdogs import NAME_PREFIX, apply_watchdogs


async def installed() -> dict[str, float]:
    async with get_client() as client:
        automations = await client.read_automations()
    return {
        automation.name: automation.trigger.within.total_seconds()
        for automation in automations
        if automation.name.startswith(NAME_PREFIX)
    }


def test_applying_twice_installs_each_watchdog_once_with_the_latest_timeout(prefect_server: None) -> None:
    first = asyncio.run(apply_watchdogs(timedelta(seconds=300)))
    again = asyncio.run(apply_watchdogs(timedelta(seconds=120)))

    assert [watchdog.created for watchdog in first] == [True, True]
    assert [watchdog.created for watchdog in again] == [False, False]
    assert asyncio.run(installed()) == {
        "partnerflow: stopped-heartbeat": 90.0,
        "partnerflow: never-started": 120.0,
    }
