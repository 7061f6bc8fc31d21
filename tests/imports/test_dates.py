"""Dates as exports write them: ISO, dotted, slashed with a chosen order, zones, refusals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from pullflow.domain.errors import Invalid
from pullflow.imports.dates import Moments, looks_like_date
from pullflow.imports.source import BadValue

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-03-05", datetime(2024, 3, 5, tzinfo=UTC)),
        ("2024-03-05T10:15", datetime(2024, 3, 5, 10, 15, tzinfo=UTC)),
        ("2024-03-05 10:15:30", datetime(2024, 3, 5, 10, 15, 30, tzinfo=UTC)),
        ("2024-03-05T10:15:30.5Z", datetime(2024, 3, 5, 10, 15, 30, 500000, tzinfo=UTC)),
        # Jira writes the offset without a colon: 10:15 at +01:00 is 09:15 UTC.
        ("2024-03-05T10:15:30.000+0100", datetime(2024, 3, 5, 9, 15, 30, tzinfo=UTC)),
        ("2024-03-05T10:15:30-05:30", datetime(2024, 3, 5, 15, 45, 30, tzinfo=UTC)),
        ("2024/03/05", datetime(2024, 3, 5, tzinfo=UTC)),
        ("05.03.2024", datetime(2024, 3, 5, tzinfo=UTC)),
        ("5.3.2024 08:05", datetime(2024, 3, 5, 8, 5, tzinfo=UTC)),
        ("  2024-03-05  ", datetime(2024, 3, 5, tzinfo=UTC)),
    ],
)
def test_iso_and_dotted_dates_are_read_in_utc_by_default(text: str, expected: datetime) -> None:
    assert Moments().parse(text) == expected


def test_a_moment_without_zone_is_local_time_in_the_given_zone() -> None:
    moments = Moments("Europe/Berlin")
    # 1 July: Berlin is UTC+2, so local 09:00 is 07:00 UTC; a date alone is local midnight.
    assert moments.parse("2024-07-01 09:00") == datetime(2024, 7, 1, 7, tzinfo=UTC)
    assert moments.parse("2024-07-01") == datetime(2024, 6, 30, 22, tzinfo=UTC)
    # A written zone wins over the default one.
    assert moments.parse("2024-07-01T09:00Z") == datetime(2024, 7, 1, 9, tzinfo=UTC)
    assert moments.parse("2024-07-01").tzinfo == BERLIN


def test_slash_dates_follow_the_chosen_order() -> None:
    assert Moments(date_order="mdy").parse("03/04/2024") == datetime(2024, 3, 4, tzinfo=UTC)
    assert Moments(date_order="dmy").parse("03/04/2024") == datetime(2024, 4, 3, tzinfo=UTC)
    # 2:30 PM is 14:30; 12:10 AM is 00:10.
    assert Moments(date_order="mdy").parse("12/31/2024 2:30 PM") == datetime(
        2024, 12, 31, 14, 30, tzinfo=UTC
    )
    assert Moments(date_order="DMY").parse("31/12/2024 12:10 am") == datetime(
        2024, 12, 31, 0, 10, tzinfo=UTC
    )


def test_a_slash_date_without_an_order_is_refused_as_ambiguous() -> None:
    with pytest.raises(BadValue) as caught:
        Moments().parse("03/04/2024")
    assert str(caught.value) == (
        '"03/04/2024" could be day/month/year or month/day/year; pass date_order "dmy" '
        '(day first) or "mdy" (month first).'
    )


@pytest.mark.parametrize("text", ["2024-02-30", "31.04.2024", "2024-03-05T25:00"])
def test_impossible_dates_are_refused(text: str) -> None:
    with pytest.raises(BadValue, match="is not a real date or time"):
        Moments().parse(text)


@pytest.mark.parametrize("text", ["soon", "20240305", "2024-W10-2", "1709633730", "5 March"])
def test_other_shapes_are_not_dates(text: str) -> None:
    assert not looks_like_date(text)
    with pytest.raises(BadValue, match="is not a date"):
        Moments().parse(text)


def test_shapes_that_look_like_dates() -> None:
    assert looks_like_date("03/04/2024")  # read only with an order, but a date all the same
    assert looks_like_date("2024-02-30")  # refused when read, but date-shaped


def test_offsets_are_kept() -> None:
    moment = Moments().parse("2024-03-05T10:00+0530")
    assert moment.utcoffset() == timedelta(hours=5, minutes=30)
    assert moment.tzinfo == timezone(timedelta(hours=5, minutes=30))


def test_unknown_zone_and_order_are_refused_with_a_sentence() -> None:
    with pytest.raises(Invalid, match='"Mars/Olympus" is not a time zone'):
        Moments("Mars/Olympus")
    with pytest.raises(Invalid, match='date_order must be "mdy"'):
        Moments(date_order="ymd")
