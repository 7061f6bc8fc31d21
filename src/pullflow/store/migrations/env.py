"""Alembic environment: runs migrations on the connection pullflow hands over.

From the project folder, ``.venv/bin/alembic -x url=sqlite:///dev.db revision --autogenerate
-m "…"`` (it reads alembic.ini there) compares the tables with that database and drafts a
migration.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from pullflow.store.engine import make_engine
from pullflow.store.tables import metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = context.get_x_argument(as_dictionary=True).get("url", "sqlite:///pullflow.db")
    with make_engine(url).connect() as fresh:
        _run(fresh)
        fresh.commit()


run_migrations_online()
