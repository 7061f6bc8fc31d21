"""Dates and moments as exports write them, read into moments with a time zone.

Accepted: ISO dates and date-times (``2024-03-05``, ``2024-03-05T10:15``, ``2024-03-05
10:15:30.123+01:00``, ``…Z``, ``…+0100``), ``2024/03/05``, ``05.03.2024`` (day first, as in
German or Swiss exports) and, only once the caller says which order they use, ``03/05/2024``
(``date_order="mdy"``: month first) or ``05/03/2024`` (``"dmy"``: day first). A slash date
without the order is refused: it could be either. A time may follow any date (with ``AM`` or
``PM`` after a slash date). A moment without a zone is local time in the given time zone; a
date alone is the local midnight that starts that day.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, tzinfo
from datetime import timezone as fixed_offset
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pullflow.domain.errors import Invalid
from pullflow.imports.source import BadValue

DATE_ORDERS = ("mdy", "dmy")
#: How many distinct texts a reader remembers the moment of (exports repeat their dates).
_REMEMBERED = 200_000

_TIME = (
    r"(?:[T ]\s*(?P<hour>\d{1,2}):(?P<minute>\d{2})"
    r"(?::(?P<second>\d{2})(?:[.,](?P<fraction>\d+))?)?)?"
)
_ZONE = r"\s*(?P<zone>Z|UTC|[+-]\d{2}(?::?\d{2})?)?"
_ISO = re.compile(r"(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})" + _TIME + _ZONE, re.I)
_YEAR_SLASH = re.compile(
    r"(?P<year>\d{4})/(?P<month>\d{1,2})/(?P<day>\d{1,2})" + _TIME + _ZONE, re.I
)
_DOTTED = re.compile(r"(?P<day>\d{1,2})\.(?P<month>\d{1,2})\.(?P<year>\d{4})" + _TIME, re.I)
_SLASHED = re.compile(
    r"(?P<first>\d{1,2})/(?P<second_part>\d{1,2})/(?P<year>\d{4})"
    + _TIME
    + r"(?:\s*(?P<half>AM|PM))?",
    re.I,
)
_SHAPES = (_ISO, _YEAR_SLASH, _DOTTED, _SLASHED)


def zone_of(timezone: str) -> tzinfo:
    """The time zone called ``timezone`` (an IANA name such as Europe/Berlin, or UTC)."""
    try:
        return ZoneInfo(timezone.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise Invalid(
            f'"{timezone}" is not a time zone pullflow knows; give an IANA name such as '
            "Europe/Berlin or America/New_York, or UTC."
        ) from None


@lru_cache(maxsize=65_536)
def looks_like_date(text: str) -> bool:
    """Whether ``text`` has the shape of a date this module reads (it may still be refused)."""
    value = text.strip()
    return any(shape.fullmatch(value) for shape in _SHAPES)


class Moments:
    """Reads dates and date-times in one time zone and one order of day and month."""

    def __init__(self, timezone: str = "UTC", date_order: str | None = None) -> None:
        self.zone = zone_of(timezone)
        order = date_order.strip().lower() if date_order else None
        if order is not None and order not in DATE_ORDERS:
            raise Invalid(
                f'date_order must be "mdy" (month first) or "dmy" (day first), not "{date_order}".'
            )
        self.date_order = order
        self._read: dict[str, datetime] = {}

    def parse(self, text: str) -> datetime:
        """The moment ``text`` names, with a time zone; BadValue if it is not one."""
        known = self._read.get(text)
        if known is None:
            known = self._parse(text)
            if len(self._read) < _REMEMBERED:
                self._read[text] = known
        return known

    def _parse(self, text: str) -> datetime:
        value = text.strip()
        for shape in (_ISO, _YEAR_SLASH, _DOTTED):
            found = shape.fullmatch(value)
            if found:
                parts = found.groupdict()
                return self._moment(value, parts["year"], parts["month"], parts["day"], parts)
        found = _SLASHED.fullmatch(value)
        if found:
            return self._slashed(value, found.groupdict())
        raise BadValue(
            f'"{value}" is not a date; write dates as 2024-03-05 or 05.03.2024, '
            "with a time after them if there is one."
        )

    def _slashed(self, value: str, parts: dict[str, str | None]) -> datetime:
        if self.date_order is None:
            raise BadValue(
                f'"{value}" could be day/month/year or month/day/year; pass date_order "dmy" '
                '(day first) or "mdy" (month first).'
            )
        first, second = parts["first"] or "", parts["second_part"] or ""
        month, day = (first, second) if self.date_order == "mdy" else (second, first)
        hour = parts["hour"]
        half = (parts["half"] or "").upper()
        if half and hour is not None:
            number = int(hour)
            if not 1 <= number <= 12:
                raise BadValue(f'"{value}" has an hour that is not 1 to 12 before {half}.')
            parts = {**parts, "hour": str(number % 12 + (12 if half == "PM" else 0))}
        return self._moment(value, parts["year"], month, day, parts)

    def _moment(
        self,
        value: str,
        year: str | None,
        month: str | None,
        day: str | None,
        parts: dict[str, str | None],
    ) -> datetime:
        fraction = (parts.get("fraction") or "").ljust(6, "0")[:6]
        try:
            moment = datetime(
                int(year or 0),
                int(month or 0),
                int(day or 0),
                int(parts.get("hour") or 0),
                int(parts.get("minute") or 0),
                int(parts.get("second") or 0),
                int(fraction),
            )
        except ValueError:
            raise BadValue(
                f'"{value}" is not a real date or time; check the day and month.'
            ) from None
        return moment.replace(tzinfo=self._zone_of(value, parts.get("zone")))

    def _zone_of(self, value: str, zone: str | None) -> tzinfo:
        if zone is None:
            return self.zone
        if zone.upper() in ("Z", "UTC"):
            return UTC
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        hours, minutes = int(digits[:2]), int(digits[2:] or 0)
        if hours > 23 or minutes > 59:
            raise BadValue(f'"{value}" has a time zone offset that is not one.')
        return fixed_offset(sign * timedelta(hours=hours, minutes=minutes))
