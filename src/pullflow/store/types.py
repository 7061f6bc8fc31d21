"""Column types that carry domain values: UTC times on every backend, Five Whys as JSON."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

from pullflow.domain.andon import FiveWhys

#: JSON on SQLite, JSONB on PostgreSQL.
Json: TypeEngine[Any] = JSON().with_variant(JSONB(), "postgresql")


class UTCDateTime(TypeDecorator[datetime]):
    """A moment stored in UTC and always read back with its time zone.

    PostgreSQL keeps ``timestamptz``; SQLite keeps naive UTC text, which is given back its
    zone when read.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("refusing to store a time without a time zone")
        moment = value.astimezone(UTC)
        return moment.replace(tzinfo=None) if dialect.name == "sqlite" else moment

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class FiveWhysJson(TypeDecorator[FiveWhys]):
    """A stop's Five Whys, kept as a JSON document."""

    impl = JSON
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        return dialect.type_descriptor(JSONB() if dialect.name == "postgresql" else JSON())

    def process_bind_param(self, value: FiveWhys | None, dialect: Dialect) -> Any:
        return value.to_data() if value is not None else None

    def process_result_value(self, value: Any, dialect: Dialect) -> FiveWhys | None:
        return FiveWhys.from_data(value) if value is not None else None
