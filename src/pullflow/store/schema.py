"""Creating and upgrading the schema with Alembic, safely when many processes start at once.

``initialise`` applies every migration up to the newest (it is what ``pullflow init`` runs).
``ensure_current`` is called once per process when a store is opened: a database a release
behind is upgraded there and then; one that was never initialised, or that a newer pullflow
wrote, is refused with a sentence saying what to do. Reading the revision needs one query and
no Alembic; Alembic itself is loaded only when the schema must change.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import URL, Connection, Engine, inspect, text

from pullflow.domain.errors import Invalid
from pullflow.store.engine import WRITE, use_wal

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"

#: The newest migration in migrations/versions (a test holds it to Alembic's head).
SCHEMA_REVISION = "0004"

#: Any fixed number: the PostgreSQL advisory lock taken while migrating.
MIGRATION_LOCK = 74_2201


class NotInitialised(Invalid):
    """The database has no pullflow schema yet, or one from a newer release."""


def alembic_config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    return {
        script.revision for script in ScriptDirectory.from_config(alembic_config()).walk_revisions()
    }


def current_revision(connection: Connection) -> str | None:
    """The schema revision recorded in the database, or None before ``initialise``."""
    if not inspect(connection).has_table("alembic_version"):
        return None
    revision = connection.scalar(text("SELECT version_num FROM alembic_version"))
    return str(revision) if revision is not None else None


def initialise(engine: Engine) -> bool:
    """Bring the schema up to the newest migration; return whether anything was applied."""
    from alembic import command

    use_wal(engine)
    with engine.execution_options(**{WRITE: True}).begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        if current_revision(connection) == SCHEMA_REVISION:
            return False
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
        return True


def refuse_missing_file(url: URL) -> None:
    """Refuse a SQLite file that does not exist, rather than creating an empty one."""
    database = url.database or ""
    if url.get_backend_name() != "sqlite" or database in {"", ":memory:"}:
        return
    if database.startswith("file:") or Path(database).exists():
        return
    raise NotInitialised(
        f"No pullflow database at {database}: create it with pullflow init "
        "(add --db URL if it lives elsewhere)."
    )


def ensure_current(engine: Engine, where: str) -> None:
    """Check the schema before use: upgrade one that is behind, refuse one that is missing.

    ``where`` names the database in messages (its URL without the password).
    """
    with engine.connect() as connection:
        revision = current_revision(connection)
    if revision == SCHEMA_REVISION:
        return
    if revision is None:
        raise NotInitialised(
            f"No pullflow database at {where}: create it with pullflow init "
            "(add --db URL if it lives elsewhere)."
        )
    if revision not in known_revisions():
        raise NotInitialised(
            f"The database at {where} was written by a newer pullflow "
            f"(schema {revision}): upgrade pullflow before using it."
        )
    initialise(engine)
