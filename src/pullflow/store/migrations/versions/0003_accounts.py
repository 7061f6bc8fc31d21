"""Accounts: users, their roles on boards, API tokens, and remembered idempotent requests.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _user(table: str, *, primary_key: bool = False) -> sa.Column[int]:
    """The user a row belongs to; it goes when the user goes."""
    return sa.Column(
        "user_id",
        sa.Integer(),
        sa.ForeignKey("users.id", ondelete="CASCADE", name=f"fk_{table}_user_id_users"),
        nullable=False,
        primary_key=primary_key,
    )


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(40), nullable=False),
        sa.Column("name_key", sa.String(40), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("site_admin", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("last_login_at", _utc()),
        sa.UniqueConstraint("name_key", name="uq_users_name_key"),
    )

    op.create_table(
        "memberships",
        _user("memberships", primary_key=True),
        sa.Column(
            "board_id",
            sa.Integer(),
            sa.ForeignKey("boards.id", ondelete="CASCADE", name="fk_memberships_board_id_boards"),
            primary_key=True,
        ),
        sa.Column(
            "role",
            sa.Enum(
                "viewer",
                "member",
                "admin",
                name="role",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("granted_at", _utc(), nullable=False),
        sa.Column("granted_by", sa.String(100), nullable=False),
    )
    op.create_index("ix_memberships_board_id", "memberships", ["board_id"])

    op.create_table(
        "tokens",
        sa.Column("id", sa.Integer(), primary_key=True),
        _user("tokens"),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("boards", _json()),
        sa.Column("label", sa.String(100), nullable=False, server_default=""),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("last_used_at", _utc()),
        sa.Column("revoked_at", _utc()),
        sa.Column("revoked_by", sa.String(100)),
        sa.UniqueConstraint("sha256", name="uq_tokens_sha256"),
    )
    op.create_index("ix_tokens_user_id", "tokens", ["user_id"])

    op.create_table(
        "idempotency",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("key", sa.String(255), nullable=False),
        _user("idempotency"),
        sa.Column("method", sa.String(10), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("body", _json()),
        sa.Column("created_at", _utc(), nullable=False),
        sa.UniqueConstraint("user_id", "key", name="uq_idempotency_user_id_key"),
    )
    op.create_index("ix_idempotency_created_at", "idempotency", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_idempotency_created_at", table_name="idempotency")
    op.drop_table("idempotency")
    op.drop_index("ix_tokens_user_id", table_name="tokens")
    op.drop_table("tokens")
    op.drop_index("ix_memberships_board_id", table_name="memberships")
    op.drop_table("memberships")
    op.drop_table("users")
