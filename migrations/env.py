"""Alembic environment. Migrations are frozen history: they never import the current models."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context

config = context.config
target_metadata = config.attributes.get("target_metadata")  # set only when autogenerating


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = sa.create_engine(config.attributes["url"], poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        _run(conn)
        conn.commit()


def _run(connection: sa.Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        transaction_per_migration=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline SQL generation is not supported; run 'tracker db migrate'.")
run_migrations_online()
