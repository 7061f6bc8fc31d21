"""The tables: current state of boards, the append-only event log beside it, and accounts."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    Enum,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB

from pullflow.domain.accounts import Role
from pullflow.domain.items import ItemState, ServiceClass
from pullflow.domain.learning import (
    Decision,
    ExperimentStatus,
    HypothesisStatus,
    PullSignal,
    Verdict,
)
from pullflow.domain.stages import Lane, WipPolicy
from pullflow.store.types import FiveWhysJson, Json, UTCDateTime

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


def choice(kind: type[StrEnum], name: str) -> Enum:
    """A short text column holding one value of a domain enumeration, checked by the database."""
    return Enum(
        kind,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=20,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


boards = Table(
    "boards",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(60), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("pull_signal", choice(PullSignal, "pull_signal"), nullable=False),
    Column("experiment_limit", Integer),
    Column("timezone", String(64), nullable=False),
    Column("item_seq", Integer, nullable=False),
    Column("hypothesis_seq", Integer, nullable=False),
    Column("experiment_seq", Integer, nullable=False),
    Column("stop_seq", Integer, nullable=False),
    Column("rank_seq", Integer, nullable=False),
    # Where flow figures count work as started and finished: stage names, or NULL for the
    # defaults (the first stage after the options; done).
    Column("commitment", String(40)),
    Column("delivery", String(40)),
    # Bumped by every change to the board row, its stages or its stops (see the unit of work).
    Column("version", Integer, nullable=False, default=0, server_default="0"),
)
Index("uq_boards_name_lower", func.lower(boards.c.name), unique=True)

stages = Table(
    "stages",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("board_id", ForeignKey("boards.id", ondelete="CASCADE"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("name", String(40), nullable=False),
    Column("wip_limit", Integer),
    Column("policy", choice(WipPolicy, "wip_policy"), nullable=False),
    UniqueConstraint("board_id", "position"),
    UniqueConstraint("board_id", "name"),
)

items = Table(
    "items",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("board_id", ForeignKey("boards.id", ondelete="CASCADE"), nullable=False),
    Column("number", Integer, nullable=False),
    Column("title", String(500), nullable=False),
    Column("service_class", choice(ServiceClass, "service_class"), nullable=False),
    Column("due", Date),
    Column("stage_id", ForeignKey("stages.id"), nullable=False),
    Column("lane", choice(Lane, "lane"), nullable=False),
    Column("rank", Integer),
    Column("state", choice(ItemState, "item_state"), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("entered_at", UTCDateTime, nullable=False),
    Column("started_at", UTCDateTime),
    Column("ended_at", UTCDateTime),
    Column("blocked_reason", Text),
    Column("blocked_since", UTCDateTime),
    Column("discard_reason", Text),
    Column("attributes", Json, nullable=False, server_default="{}"),
    UniqueConstraint("board_id", "number"),
    Index(None, "board_id", "state"),
    Index(None, "stage_id", "state"),
)

hypotheses = Table(
    "hypotheses",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("board_id", ForeignKey("boards.id", ondelete="CASCADE"), nullable=False),
    Column("number", Integer, nullable=False),
    Column("belief", Text, nullable=False),
    Column("test", Text, nullable=False),
    Column("metric", Text, nullable=False),
    Column("criterion", Text, nullable=False),
    Column("status", choice(HypothesisStatus, "hypothesis_status"), nullable=False),
    Column("stated_at", UTCDateTime, nullable=False),
    Column("stated_by", String(100), nullable=False),
    UniqueConstraint("board_id", "number"),
)

experiments = Table(
    "experiments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("board_id", ForeignKey("boards.id", ondelete="CASCADE"), nullable=False),
    Column("number", Integer, nullable=False),
    Column("hypothesis_id", ForeignKey("hypotheses.id"), nullable=False),
    Column("title", Text, nullable=False),
    Column("status", choice(ExperimentStatus, "experiment_status"), nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("started_by", String(100), nullable=False),
    Column("concluded_at", UTCDateTime),
    Column("concluded_by", String(100)),
    Column("verdict", choice(Verdict, "verdict")),
    Column("decision", choice(Decision, "decision")),
    Column("observed", Text),
    Column("learned", Text),
    Column("next_step", Text),
    UniqueConstraint("board_id", "number"),
)

experiment_items = Table(
    "experiment_items",
    metadata,
    Column("experiment_id", ForeignKey("experiments.id", ondelete="CASCADE"), primary_key=True),
    Column("item_id", ForeignKey("items.id", ondelete="CASCADE"), primary_key=True),
)

stops = Table(
    "stops",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("board_id", ForeignKey("boards.id", ondelete="CASCADE"), nullable=False),
    Column("number", Integer, nullable=False),
    Column("stage_id", ForeignKey("stages.id")),
    Column("reason", Text, nullable=False),
    Column("tags", Json, nullable=False),
    Column("fix_item", Integer),
    Column("people", Integer, nullable=False),
    Column("stopped_at", UTCDateTime, nullable=False),
    Column("stopped_by", String(100), nullable=False),
    Column("repeat_of", Integer),
    Column("repeated_tags", Json, nullable=False),
    Column("resumed_at", UTCDateTime),
    Column("resumed_by", String(100)),
    Column("five_whys", FiveWhysJson),
    UniqueConstraint("board_id", "number"),
)

events = Table(
    "events",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("board_id", ForeignKey("boards.id", ondelete="CASCADE"), nullable=False),
    Column("type", String(40), nullable=False),
    Column("item", Integer),
    Column("experiment", Integer),
    Column("from_stage", String(40)),
    Column("from_lane", String(10)),
    Column("to_stage", String(40)),
    Column("to_lane", String(10)),
    Column("actor", String(100), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("reason", Text),
    Column("data", Json, nullable=False),
    Index(None, "board_id", "id"),
    Index(None, "board_id", "item"),
)

#: JSON whose Python None is SQL NULL (not the JSON value null).
NullableJson = JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(40), nullable=False),
    # The name in lower case: names are unique whatever their case.
    Column("name_key", String(40), nullable=False, unique=True),
    # An argon2 hash; the password itself is never kept.
    Column("password_hash", String(255), nullable=False),
    Column("site_admin", Boolean, nullable=False, default=False, server_default=false()),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_login_at", UTCDateTime),
)

memberships = Table(
    "memberships",
    metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("board_id", ForeignKey("boards.id", ondelete="CASCADE"), primary_key=True),
    Column("role", choice(Role, "role"), nullable=False),
    Column("granted_at", UTCDateTime, nullable=False),
    Column("granted_by", String(100), nullable=False),
    Index(None, "board_id"),
)

tokens = Table(
    "tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    # The SHA-256 of the secret, in hex; the secret itself is shown once and never kept.
    Column("sha256", String(64), nullable=False, unique=True),
    # The ids of the boards the token is limited to, or NULL for every board of its user.
    Column("boards", NullableJson),
    Column("label", String(100), nullable=False, server_default=""),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_used_at", UTCDateTime),
    Column("revoked_at", UTCDateTime),
    Column("revoked_by", String(100)),
    Index(None, "user_id"),
)

idempotency = Table(
    "idempotency",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(255), nullable=False),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("method", String(10), nullable=False),
    Column("path", Text, nullable=False),
    Column("status", Integer, nullable=False),
    Column("body", NullableJson),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("user_id", "key"),
    Index(None, "created_at"),
)

sessions = Table(
    "sessions",
    metadata,
    Column("id", Integer, primary_key=True),
    # The SHA-256 of the cookie's secret, in hex; the secret itself is only in the cookie.
    Column("sha256", String(64), nullable=False, unique=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    # The token every form of the session carries back (compared in constant time).
    Column("csrf", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_seen_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Index(None, "user_id"),
    Index(None, "expires_at"),
)

sign_in_links = Table(
    "sign_in_links",
    metadata,
    Column("id", Integer, primary_key=True),
    # The SHA-256 of the link's secret, in hex.
    Column("sha256", String(64), nullable=False, unique=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("used_at", UTCDateTime),
    Index(None, "user_id"),
)

sign_in_attempts = Table(
    "sign_in_attempts",
    metadata,
    Column("id", Integer, primary_key=True),
    # What a failed sign-in is counted against: a lower-cased user name or a client address.
    Column("key", String(120), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Index(None, "key", "at"),
    Index(None, "at"),
)
