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
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()
