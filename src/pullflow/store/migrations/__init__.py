"""Alembic migrations of the pullflow schema."""
