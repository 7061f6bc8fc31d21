"""Commitment and delivery points of boards, and attributes of items.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    # NULL: the default point (the first stage after the options; done).
    op.add_column("boards", sa.Column("commitment", sa.String(40)))
    op.add_column("boards", sa.Column("delivery", sa.String(40)))
    # Items stored before have no attributes.
    op.add_column("items", sa.Column("attributes", _json(), nullable=False, server_default="{}"))


def downgrade() -> None:
    # Plain ALTER TABLE … DROP COLUMN (SQLite 3.35 and later): copying a table instead would
    # delete the rows that refer to it.
    op.drop_column("items", "attributes")
    op.drop_column("boards", "delivery")
    op.drop_column("boards", "commitment")
