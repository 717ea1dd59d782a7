"""naive_seconds caches naive datetimes only: equal aware ones may read differently on the wall clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from validator.oncall.zones import naive_seconds


def test_naive_datetimes_read_as_their_wall_clock_cached_or_not():
    moment = datetime(2026, 3, 29, 2, 30)  # noqa: DTZ001 - a wall-clock reading
    assert naive_seconds(moment) == naive_seconds(moment) == 1774751400
    assert naive_seconds(moment.replace(fold=1)) == 1774751400


def test_equal_aware_datetimes_keep_their_own_wall_readings():
    utc = datetime(2026, 11, 23, 11, tzinfo=UTC)
    berlin = utc.astimezone(timezone(timedelta(hours=1)))
    assert utc == berlin
    assert naive_seconds(utc) == naive_seconds(berlin) - 3600
    assert naive_seconds(berlin.replace(tzinfo=None)) == naive_seconds(berlin)
