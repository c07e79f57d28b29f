"""Database engine and sessions.

SQLite (WAL journal, foreign keys enforced) is the default so a laptop needs nothing installed;
PostgreSQL (through psycopg 3) is the scale-out path. The schema is owned by Alembic
(``migrations/``): :func:`migrate` applies it, and nothing here calls ``create_all``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy import Engine, Table, event
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url
from sqlmodel import Session, create_engine

from partnerflow.settings import PROJECT_ROOT, get_settings

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = PROJECT_ROOT / "migrations"
_AS_JSON_DUMPS_DID = (
    orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
)


def make_engine(url: str) -> Engine:
    """Build an engine for ``url``; SQLite files get their folder, WAL and foreign keys."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, json_serializer=_json_text)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url, connect_args={"check_same_thread": False, "timeout": 30}, json_serializer=_json_text
    )
    event.listen(engine, "connect", _configure_sqlite)
    event.listen(engine, "begin", _begin_sqlite_transaction)
    return engine


def insert_new(session: Session, table: Table, rows: list[dict[str, Any]], *, unique: list[str]) -> int:
    """INSERT the rows whose ``unique`` columns are not taken yet (ON CONFLICT DO NOTHING), on
    either database; how many were new. psycopg reports no row count for a batch (the outbox said
    0 mailed on PostgreSQL): there the count is of the keys PostgreSQL returns."""
    if not rows:
        return 0
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        statement = postgresql_insert(table).on_conflict_do_nothing(index_elements=unique)
        return len(connection.execute(statement.returning(*table.primary_key.columns), rows).all())
    return connection.execute(
        sqlite_insert(table).on_conflict_do_nothing(index_elements=unique), rows
    ).rowcount


def _json_text(value: Any) -> str:
    """JSON columns written by orjson: the standard library's encoder was 0.5 s of the 100,000
    "why this reseller" rankings a year's lead routing stores. As with ``json.dumps``, integer
    keys become strings and a datetime or dataclass is refused (a bug, not a value to guess)."""
    return orjson.dumps(value, option=_AS_JSON_DUMPS_DID).decode()


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite opens its transaction lazily at the first write, so a SAVEPOINT issued before any
    # write became the outermost transaction and its RELEASE committed (a half-done settlement
    # survived a crash). SQLAlchemy's documented fix: driver autocommit, and BEGIN ourselves.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _begin_sqlite_transaction(connection: Any) -> None:
    # IMMEDIATE takes the write lock up front: a second writer waits (the 30 s timeout) instead of
    # failing with "database is locked" when it upgrades a read snapshot another process has made
    # stale (SQLITE_BUSY_SNAPSHOT; the demo's concurrent registrations hit it). Rails and Django
    # made the same choice for SQLite. Read-only sessions take it too: SQLite has one writer at a
    # time anyway, and our sessions are short.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


@lru_cache(maxsize=8)
def get_engine(url: str | None = None) -> Engine:
    """The shared engine for ``url`` (default: the configured database)."""
    return make_engine(url or get_settings().database_url)


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    with Session(engine or get_engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def alembic_config(url: str) -> Config:
    # Alembic is imported here, not at the top: every flow-run process imports this module, and
    # Alembic costs it ~1 s of CPU that only `init`, `up` and the tests' migrations need.
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def shown_url(url: str) -> str:
    """A database URL fit to print: its password replaced by ***."""
    return make_url(url).render_as_string(hide_password=True)


def migrate(url: str | None = None, revision: str = "head") -> None:
    """Bring the database at ``url`` to ``revision`` (creating an SQLite file if needed)."""
    from alembic import command

    target = url or get_settings().database_url
    make_engine(target).dispose()  # creates the SQLite folder
    command.upgrade(alembic_config(target), revision)
