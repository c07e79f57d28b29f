"""What an operator does, as code: start partnerflow's processes, run its commands, read Prefect.

System tests drive the real thing through its own entry points (``partnerflow up``, ``prefect
server start``, ``prefect worker start``, the CLI) in child processes, and read Prefect through its
REST API, so nothing of the test process leaks into what is being tested.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx
from sqlalchemy import create_engine, text

from partnerflow.notify import free_port
from partnerflow.orchestration.deployments import read_deployments
from partnerflow.settings import PROJECT_ROOT

T = TypeVar("T")
SCHEDULED_DEPLOYMENTS = sorted(spec.name for spec in read_deployments() if spec.schedules)


def wait_for(what: str, probe: Callable[[], T | None], timeout: float = 90.0, every: float = 1.0) -> T:
    """Poll ``probe`` until it returns something truthy; fail naming ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(every)


@dataclass
class Operator:
    """One installation: its environment variables, its folders, its processes."""

    home: Path
    environment: dict[str, str]
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    named: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    @classmethod
    def in_folder(cls, home: Path, database_url: str | None = None, **settings: str) -> Operator:
        web_port = free_port()
        environment = {
            **os.environ,
            "PARTNERFLOW_DATABASE_URL": database_url or f"sqlite:///{home / 'partnerflow.db'}",
            "PARTNERFLOW_PREFECT_HOME": str(home / "prefect"),
            "PARTNERFLOW_MAIL_DIR": str(home / "mail"),
            "PARTNERFLOW_PAYMENTS_DIR": str(home / "payments"),
            "PARTNERFLOW_REPORTS_DIR": str(home / "reports"),
            "PARTNERFLOW_WEB_PORT": str(web_port),
            "PARTNERFLOW_WEB_URL": f"http://127.0.0.1:{web_port}",
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_HOME": str(home / "prefect-client"),
            **settings,
        }
        for inherited in ("PREFECT_API_URL", "PREFECT_PROFILE", "PARTNERFLOW_SCHEDULE_INTERVALS"):
            if inherited not in settings:
                environment.pop(inherited, None)
        return cls(home, environment)

    def run(
        self, *command: str, api_url: str | None = None, cwd: Path | None = None
    ) -> subprocess.CompletedProcess[str]:
        """A command of the installation, run in its folder (or ``cwd``) with its environment."""
        environment = {**self.environment, **({"PREFECT_API_URL": api_url} if api_url else {})}
        return subprocess.run(
            list(command), env=environment, cwd=cwd or self.home, capture_output=True, text=True, timeout=300
        )

    def run_checked(
        self, *command: str, api_url: str | None = None, cwd: Path | None = None
    ) -> subprocess.CompletedProcess[str]:
        result = self.run(*command, api_url=api_url, cwd=cwd)
        assert result.returncode == 0, f"{' '.join(command)}: {result.stdout}\n{result.stderr}"
        return result

    def cli(self, *args: str, api_url: str | None = None) -> subprocess.CompletedProcess[str]:
        """``partnerflow ARGS`` as a user types it; fails with its output when it fails."""
        return self.run_checked(sys.executable, "-m", "partnerflow", *args, api_url=api_url)

    def start(self, name: str, *command: str, **extra_environment: str) -> subprocess.Popen[bytes]:
        """A long-running process in its own process group, its output in ``<home>/<name>.log``."""
        log = (self.home / f"{name}.log").open("ab")
        process = subprocess.Popen(
            list(command),
            env={**self.environment, **extra_environment},
            cwd=PROJECT_ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes.append(process)
        self.named[name] = process
        return process

    def wait_until_alive(self, name: str, probe: Callable[[], bool], timeout: float = 180.0) -> None:
        """Wait for the process ``name`` to answer ``probe``; fail with its log if it dies first."""

        def answered() -> bool:
            process = self.named[name]
            if process.poll() is not None:
                raise AssertionError(f"{name} exited with {process.returncode}:\n{self.log(name)[-3000:]}")
            return probe()

        wait_for(f"{name} to answer", answered, timeout=timeout)

    def log(self, name: str) -> str:
        return (self.home / f"{name}.log").read_text("utf-8", errors="replace")

    def stop_all(self) -> None:
        """Stop every process started here, politely then firmly; nothing outlives a test."""
        for process in reversed(self.processes):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGINT)
        deadline = time.monotonic() + 40
        for process in reversed(self.processes):
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def sql(self, query: str, **parameters: Any) -> list[Any]:
        """Run ``query`` on the application database as a support engineer would; its rows, if any."""
        engine = create_engine(self.environment["PARTNERFLOW_DATABASE_URL"])
        try:
            with engine.begin() as connection:
                result = connection.execute(text(query), parameters)
                return list(result) if result.returns_rows else []
        finally:
            engine.dispose()

    def submit_deals(self, rows: list[dict[str, Any]], api_url: str | None = None) -> list[dict[str, Any]]:
        path = self.home / f"deals-{time.monotonic_ns()}.json"
        path.write_text(json.dumps(rows), encoding="utf-8")
        result: list[dict[str, Any]] = json.loads(
            self.cli("deals", "submit", str(path), "--json", api_url=api_url).stdout
        )
        return result


@dataclass(frozen=True)
class PrefectApi:
    """Prefect's REST API, read the way the UI reads it."""

    url: str
    auth_string: str | None = None  # PREFECT_API_AUTH_STRING, "user:password"

    def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        response = httpx.post(f"{self.url}{path}", json=body or {}, timeout=30, auth=self._auth())
        response.raise_for_status()
        return response.json()

    def get(self, path: str) -> Any:
        response = httpx.get(f"{self.url}{path}", timeout=30, auth=self._auth())
        response.raise_for_status()
        return response.json()

    def healthy(self) -> bool:
        try:
            return httpx.get(f"{self.url}/health", timeout=3, auth=self._auth()).status_code == 200
        except httpx.HTTPError:
            return False

    def _auth(self) -> tuple[str, str] | None:
        if self.auth_string is None:
            return None
        user, _, password = self.auth_string.partition(":")
        return user, password

    def deployments(self) -> dict[str, str]:
        """Deployment name -> id."""
        return {entry["name"]: entry["id"] for entry in self.post("/deployments/filter", {"limit": 200})}

    def flow_runs(self, deployment: str | None = None, **flow_run_filter: Any) -> list[dict[str, Any]]:
        body: dict[str, Any] = {"limit": 200, "flow_runs": flow_run_filter}
        if deployment is not None:
            body["deployments"] = {"name": {"any_": [deployment]}}
        runs: list[dict[str, Any]] = self.post("/flow_runs/filter", body)
        return runs

    def runs_in_state(self, deployment: str, *state_names: str) -> list[dict[str, Any]]:
        """The deployment's runs in those states, for polling: none yet when the server did not
        answer in time (``up``'s SQLite server stalls for over 30 s under CI load; see ``state``)."""
        try:
            runs = self.flow_runs(deployment)
        except httpx.TransportError:
            return []
        return [run for run in runs if run["state_name"] in state_names]

    def run_deployment(self, deployment_id: str, parameters: dict[str, Any]) -> str:
        run = self.post(f"/deployments/{deployment_id}/create_flow_run", {"parameters": parameters})
        return str(run["id"])

    def flow_run(self, flow_run_id: str) -> dict[str, Any]:
        run: dict[str, Any] = self.get(f"/flow_runs/{flow_run_id}")
        return run

    def state(self, flow_run_id: str) -> str:
        """The run's state name; ``unanswered`` when the server did not answer in time (the
        SQLite server of ``up`` stalls for seconds under CI load: polling goes on)."""
        try:
            return str(self.flow_run(flow_run_id)["state_name"])
        except httpx.TransportError:
            return "unanswered"

    def wait_for_state(self, flow_run_id: str, state: str, timeout: float = 180.0) -> None:
        """Wait for the run to reach ``state``; on timeout, fail with the states it went through."""

        def reached() -> bool:
            return self.state(flow_run_id) == state

        try:
            wait_for(f"flow run {flow_run_id} to be {state}", reached, timeout)
        except AssertionError as timed_out:
            history = [
                f"{entry['timestamp']} {entry['name']}: {entry['message'] or ''}"
                for entry in self.get(f"/flow_run_states/?flow_run_id={flow_run_id}")
            ]
            raise AssertionError(f"{timed_out}; its states:\n" + "\n".join(sorted(history))) from None

    def has_auto_scheduled_runs(self, *deployments: str) -> bool:
        return all(any(run["auto_scheduled"] for run in self.flow_runs(name)) for name in deployments)


def partner_where(operator: Operator, condition: str) -> tuple[int, str]:
    """The first partner matching ``condition`` (SQL): its id and département."""
    [(partner_id, departement)] = operator.sql(
        f"SELECT id, territory_code FROM partner WHERE {condition} ORDER BY id LIMIT 1"
    )
    return int(partner_id), str(departement)


def small_trusted_deal(partner_id: int, customer: str, departement: str) -> dict[str, Any]:
    """A deal the shipped policy approves at once for a certified gold or platinum partner."""
    return {
        "partner_id": partner_id,
        "customer_name": customer,
        "customer_email": f"achats@{re.sub('[^a-z0-9]+', '-', customer.lower()).strip('-')}.example",
        "customer_departement": departement,
        "product_lines": ["network"],
        "amount": 12000,
        "expected_close_on": (date.today() + timedelta(days=60)).isoformat(),
    }


def names(runs: Iterable[dict[str, Any]]) -> list[str]:
    return sorted(str(run["name"]) for run in runs)
