"""The distributed topology of README "Scale out", every process on this machine.

Prefect server on PostgreSQL with Redis messaging, two API replicas started with
``--no-services``, the background services in a process of their own, the application database
on PostgreSQL, ``prefect deploy --all`` into the ``partnerflow`` process pool, ``partnerflow
automations apply`` (the watchdogs), and workers with ``--limit``. The README's commands are
these, in this order; ``bench/distributed.py`` uses it too.
"""

from __future__ import annotations

import secrets
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import redis
from sqlalchemy import create_engine, make_url, text

from partnerflow.notify import free_port, port_is_free
from partnerflow.settings import PROJECT_ROOT
from tests.system.operator import Operator, PrefectApi

PREFECT = (sys.executable, "-m", "prefect")
REDIS_URL = "redis://127.0.0.1:6379"
REDIS_CLAIM = "partnerflow-tests:claimed-by"
RUN_START_TIMEOUT = 90  # the never-started watchdog's wait (300 s by default), shortened for the tests


@dataclass
class Cluster:
    """A running topology: its operator (environment, processes by name) and its API replicas."""

    operator: Operator
    replicas: list[PrefectApi]

    def prefect(self, *args: str, replica: int = 0) -> None:
        """``uv run prefect ARGS`` against one replica (the README's commands)."""
        self.operator.run_checked(*PREFECT, *args, api_url=self.replicas[replica].url, cwd=PROJECT_ROOT)

    def start_worker(self, name: str, limit: int, replica: int = 0) -> None:
        self.operator.start(
            name,
            *PREFECT,
            "worker",
            "start",
            "--pool",
            "partnerflow",
            "--name",
            name,
            "--limit",
            str(limit),
            PREFECT_API_URL=self.replicas[replica].url,
        )


@contextmanager
def running_cluster(
    home: Path, postgres_url: str, *, workers: int = 2, worker_limit: int = 4
) -> Iterator[Cluster]:
    """Start the whole topology on fresh databases; stop and drop everything on exit."""
    token = secrets.token_hex(4)
    prefect_db, app_db = f"pf_prefect_{token}", f"pf_app_{token}"
    server = make_url(postgres_url)
    with _databases(postgres_url, prefect_db, app_db), _empty_redis_database(token) as redis_db:
        auth = f"admin:{secrets.token_urlsafe(12)}"
        ports, smtp_port = [free_port(), free_port()], free_port()
        prefect_database = server.set(drivername="postgresql+asyncpg", database=prefect_db)
        operator = Operator.in_folder(
            home,
            database_url=server.set(database=app_db).render_as_string(hide_password=False),
            PARTNERFLOW_HOME=str(PROJECT_ROOT),
            PARTNERFLOW_PREFECT_UI_URL=f"http://127.0.0.1:{ports[0]}",
            PREFECT_API_DATABASE_CONNECTION_URL=prefect_database.render_as_string(hide_password=False),
            PREFECT_MESSAGING_BROKER="prefect_redis.messaging",
            PREFECT_MESSAGING_CACHE="prefect_redis.messaging",
            PREFECT_SERVER_EVENTS_CAUSAL_ORDERING="prefect_redis.ordering",
            PREFECT_SERVER_CONCURRENCY_LEASE_STORAGE="prefect_redis.lease_storage",
            PREFECT_REDIS_MESSAGING_URL=f"{REDIS_URL}/{redis_db}",
            PREFECT_SERVER_DOCKET_URL=f"{REDIS_URL}/{redis_db}",
            PREFECT_SERVER_DOCKET_NAME=f"partnerflow-{token}",
            PREFECT_SERVER_API_AUTH_STRING=auth,
            PREFECT_API_AUTH_STRING=auth,
            PREFECT_WORKER_QUERY_SECONDS="2",  # pick-up latency over API load (default 10 s)
            PARTNERFLOW_RUN_START_TIMEOUT=str(RUN_START_TIMEOUT),
            PARTNERFLOW_SMTP_PORT=str(smtp_port),
        )
        replicas = [PrefectApi(f"http://127.0.0.1:{port}/api", auth) for port in ports]
        cluster = Cluster(operator, replicas)
        try:
            operator.run_checked(*PREFECT, "server", "database", "upgrade", "-y")
            for number, (port, replica) in enumerate(zip(ports, replicas, strict=True)):
                # one after the other: replicas starting at the same instant race to register
                # Prefect's block types and one exits (unique violation on uq_block_type__slug)
                name = f"api-{number}"
                operator.start(
                    name,
                    *PREFECT,
                    "server",
                    "start",
                    "--no-services",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                )
                operator.wait_until_alive(name, replica.healthy)
            operator.start("services", *PREFECT, "server", "services", "start")
            # the installation's mail server: people read their links and codes in what it receives
            sink = (
                "-m",
                "partnerflow",
                "mail",
                "sink",
                "--dir",
                str(home / "mail"),
                "--port",
                str(smtp_port),
            )
            operator.start("mail-sink", sys.executable, *sink)
            operator.wait_until_alive("mail-sink", lambda: not port_is_free(smtp_port))
            operator.cli("init")
            operator.cli("seed", "--demo", "--leads-per-reseller", "0")
            cluster.prefect("work-pool", "create", "partnerflow", "--type", "process")
            cluster.prefect("--no-prompt", "deploy", "--all")
            operator.cli("automations", "apply", api_url=replicas[0].url)
            for number in range(workers):
                cluster.start_worker(f"worker-{number}", worker_limit, replica=number % len(replicas))
            yield cluster
        finally:
            operator.stop_all()


@contextmanager
def _databases(postgres_url: str, *names: str) -> Iterator[None]:
    """Fresh PostgreSQL databases on the test server, dropped afterwards."""
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            for name in names:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield
    finally:
        with admin.connect() as connection:
            for name in names:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def _empty_redis_database(token: str) -> Iterator[int]:
    """One of Redis's numbered databases that holds nothing, claimed for this run (a key set only
    if absent, then checked to be the only one) and emptied afterwards: everything in it is the
    run's. A database in use by anyone else is left alone (one was emptied at random before)."""
    for number in range(1, 16):
        client = redis.Redis.from_url(f"{REDIS_URL}/{number}")
        if client.set(REDIS_CLAIM, token, nx=True, ex=4 * 3600) and client.dbsize() == 1:
            try:
                yield number
            finally:
                client.flushdb()
                client.close()
            return
        if client.get(REDIS_CLAIM) == token.encode():
            client.delete(REDIS_CLAIM)  # not empty: someone else's data is there
        client.close()
    raise RuntimeError(f"no empty Redis database among 1-15 on {REDIS_URL}: the topology needs one")
