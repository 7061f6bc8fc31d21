"""The first schema: boards, stages, items, hypotheses, experiments, stops and the event log.

Revision ID: 0001
Revises:
Create Date: 2026-11-30
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _choice(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=20)


def _owned(table: str) -> list[sa.Column[int]]:
    """The id, the board it belongs to, and its per-board number."""
    return [
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "board_id",
            sa.Integer(),
            sa.ForeignKey("boards.id", ondelete="CASCADE", name=f"fk_{table}_board_id_boards"),
            nullable=False,
        ),
    ]


def upgrade() -> None:
    op.create_table(
        "boards",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(60), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("pull_signal", _choice("pull_signal", "experiment", "capacity"), nullable=False),
        sa.Column("experiment_limit", sa.Integer()),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("item_seq", sa.Integer(), nullable=False),
        sa.Column("hypothesis_seq", sa.Integer(), nullable=False),
        sa.Column("experiment_seq", sa.Integer(), nullable=False),
        sa.Column("stop_seq", sa.Integer(), nullable=False),
        sa.Column("rank_seq", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False, server_default="0"),
    )
    op.create_index("uq_boards_name_lower", "boards", [sa.text("lower(name)")], unique=True)

    op.create_table(
        "stages",
        *_owned("stages"),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(40), nullable=False),
        sa.Column("wip_limit", sa.Integer()),
        sa.Column("policy", _choice("wip_policy", "block", "warn", "override"), nullable=False),
        sa.UniqueConstraint("board_id", "position", name="uq_stages_board_id_position"),
        sa.UniqueConstraint("board_id", "name", name="uq_stages_board_id_name"),
    )

    op.create_table(
        "items",
        *_owned("items"),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(500), nullable=False),
        sa.Column(
            "service_class",
            _choice("service_class", "standard", "fixed-date", "expedite"),
            nullable=False,
        ),
        sa.Column("due", sa.Date()),
        sa.Column(
            "stage_id",
            sa.Integer(),
            sa.ForeignKey("stages.id", name="fk_items_stage_id_stages"),
            nullable=False,
        ),
        sa.Column("lane", _choice("lane", "doing", "done"), nullable=False),
        sa.Column("rank", sa.Integer()),
        sa.Column("state", _choice("item_state", "active", "done", "discarded"), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("entered_at", _utc(), nullable=False),
        sa.Column("started_at", _utc()),
        sa.Column("ended_at", _utc()),
        sa.Column("blocked_reason", sa.Text()),
        sa.Column("blocked_since", _utc()),
        sa.Column("discard_reason", sa.Text()),
        sa.UniqueConstraint("board_id", "number", name="uq_items_board_id_number"),
    )
    op.create_index("ix_items_board_id_state", "items", ["board_id", "state"])
    op.create_index("ix_items_stage_id_state", "items", ["stage_id", "state"])

    op.create_table(
        "hypotheses",
        *_owned("hypotheses"),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("belief", sa.Text(), nullable=False),
        sa.Column("test", sa.Text(), nullable=False),
        sa.Column("metric", sa.Text(), nullable=False),
        sa.Column("criterion", sa.Text(), nullable=False),
        sa.Column(
            "status",
            _choice(
                "hypothesis_status",
                "untested",
                "testing",
                "validated",
                "invalidated",
                "inconclusive",
            ),
            nullable=False,
        ),
        sa.Column("stated_at", _utc(), nullable=False),
        sa.Column("stated_by", sa.String(100), nullable=False),
        sa.UniqueConstraint("board_id", "number", name="uq_hypotheses_board_id_number"),
    )

    op.create_table(
        "experiments",
        *_owned("experiments"),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column(
            "hypothesis_id",
            sa.Integer(),
            sa.ForeignKey("hypotheses.id", name="fk_experiments_hypothesis_id_hypotheses"),
            nullable=False,
        ),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("status", _choice("experiment_status", "running", "concluded"), nullable=False),
        sa.Column("started_at", _utc(), nullable=False),
        sa.Column("started_by", sa.String(100), nullable=False),
        sa.Column("concluded_at", _utc()),
        sa.Column("concluded_by", sa.String(100)),
        sa.Column("verdict", _choice("verdict", "validated", "invalidated", "inconclusive")),
        sa.Column("decision", _choice("decision", "persevere", "pivot", "stop", "keep-testing")),
        sa.Column("observed", sa.Text()),
        sa.Column("learned", sa.Text()),
        sa.Column("next_step", sa.Text()),
        sa.UniqueConstraint("board_id", "number", name="uq_experiments_board_id_number"),
    )

    op.create_table(
        "experiment_items",
        sa.Column(
            "experiment_id",
            sa.Integer(),
            sa.ForeignKey(
                "experiments.id",
                ondelete="CASCADE",
                name="fk_experiment_items_experiment_id_experiments",
            ),
            primary_key=True,
        ),
        sa.Column(
            "item_id",
            sa.Integer(),
            sa.ForeignKey("items.id", ondelete="CASCADE", name="fk_experiment_items_item_id_items"),
            primary_key=True,
        ),
    )

    op.create_table(
        "stops",
        *_owned("stops"),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column(
            "stage_id", sa.Integer(), sa.ForeignKey("stages.id", name="fk_stops_stage_id_stages")
        ),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("tags", _json(), nullable=False),
        sa.Column("fix_item", sa.Integer()),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.Column("stopped_at", _utc(), nullable=False),
        sa.Column("stopped_by", sa.String(100), nullable=False),
        sa.Column("repeat_of", sa.Integer()),
        sa.Column("repeated_tags", _json(), nullable=False),
        sa.Column("resumed_at", _utc()),
        sa.Column("resumed_by", sa.String(100)),
        sa.Column("five_whys", _json()),
        sa.UniqueConstraint("board_id", "number", name="uq_stops_board_id_number"),
    )

    op.create_table(
        "events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
        sa.Column(
            "board_id",
            sa.Integer(),
            sa.ForeignKey("boards.id", ondelete="CASCADE", name="fk_events_board_id_boards"),
            nullable=False,
        ),
        sa.Column("type", sa.String(40), nullable=False),
        sa.Column("item", sa.Integer()),
        sa.Column("experiment", sa.Integer()),
        sa.Column("from_stage", sa.String(40)),
        sa.Column("from_lane", sa.String(10)),
        sa.Column("to_stage", sa.String(40)),
        sa.Column("to_lane", sa.String(10)),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("at", _utc(), nullable=False),
        sa.Column("reason", sa.Text()),
        sa.Column("data", _json(), nullable=False),
    )
    op.create_index("ix_events_board_id_id", "events", ["board_id", "id"])
    op.create_index("ix_events_board_id_item", "events", ["board_id", "item"])
    _make_events_append_only()


def _make_events_append_only() -> None:
    """The database itself refuses to change or delete an event."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            CREATE FUNCTION pullflow_events_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'pullflow events are append-only';
            END;
            $$ LANGUAGE plpgsql
            """
        )
        op.execute(
            "CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events "
            "FOR EACH ROW EXECUTE FUNCTION pullflow_events_append_only()"
        )
        return
    for action in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER events_no_{action.lower()} BEFORE {action} ON events "
            "BEGIN SELECT RAISE(ABORT, 'pullflow events are append-only'); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS events_append_only ON events")
        op.execute("DROP FUNCTION IF EXISTS pullflow_events_append_only()")
    for table in (
        "events",
        "stops",
        "experiment_items",
        "experiments",
        "hypotheses",
        "items",
        "stages",
    ):
        op.drop_table(table)
    op.drop_index("uq_boards_name_lower", table_name="boards")
    op.drop_table("boards")
