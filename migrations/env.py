"""Alembic environment: the target is ``SQLModel.metadata``; SQLite uses batch mode for ALTERs."""

from alembic import context
from sqlmodel import SQLModel

import partnerflow.models  # noqa: F401  (registers the tables)
from partnerflow.db import make_engine

config = context.config
target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # A batch ALTER copies the table and drops the old one, which SQLite refuses while
            # rows elsewhere refer to it: foreign keys are off during the migration (set before
            # its transaction, as SQLite requires) and checked all at once before it commits.
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=sqlite,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall() if sqlite else []
            if broken:
                raise RuntimeError(f"the migration left rows referring to nothing: {broken[:5]}")
    engine.dispose()


run_migrations_online()
