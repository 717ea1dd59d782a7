"""Wall-clock arithmetic without `datetime` in the hot path.

A *local second* is a count of seconds since 1970-01-01T00:00 on a zone's wall clock (a naive
epoch): adding 86,400 always means "the same wall-clock time the next day", whatever DST does.
`to_utc` maps a local second to a UTC epoch second: a wall-clock time that does not exist (spring
forward) moves forward to the first valid instant, an ambiguous one (fall back) takes its first
occurrence. Offsets come from a per-zone table of transitions, found once per 128-day bucket by
sampling `zoneinfo` every 6 hours and bisecting to the second.
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import datetime, timedelta
from functools import lru_cache

from validator.model.types import get_zone

DAY = 86_400
_BUCKET = 128 * DAY
_MARGIN = 3 * DAY
_STEP = 6 * 3600
_EPOCH = datetime(1970, 1, 1)  # noqa: DTZ001 - the naive epoch of local seconds
_SECOND = timedelta(seconds=1)


def naive_seconds(moment: datetime) -> int:
    """Local seconds of a naive datetime (its wall-clock reading)."""
    if moment.tzinfo is None:
        return _wall_seconds(moment)
    return (moment.replace(tzinfo=None) - _EPOCH) // _SECOND


@lru_cache(maxsize=16384)
def _wall_seconds(moment: datetime) -> int:
    """`naive_seconds` of a naive datetime, cached: a rotation's starts are read several times a run.

    Only naive datetimes are cached: two aware ones that are equal (the same instant) may read
    differently on the wall clock.
    """
    return (moment - _EPOCH) // _SECOND


def _offset(zone_name: str, utc: int) -> int:
    moment = datetime.fromtimestamp(utc, get_zone(zone_name))
    offset = moment.utcoffset()
    return int(offset.total_seconds()) if offset else 0


@lru_cache(maxsize=8192)
def _table(zone_name: str, bucket: int) -> tuple[list[int], list[int]]:
    """Transitions around a bucket: offsets[i] applies from starts[i] until starts[i + 1]."""
    low = bucket * _BUCKET - _MARGIN
    high = (bucket + 1) * _BUCKET + _MARGIN
    starts, offsets = [low], [_offset(zone_name, low)]
    cursor = low
    while cursor < high:
        following = min(cursor + _STEP, high)
        current = _offset(zone_name, following)
        if current != offsets[-1]:
            before, after = cursor, following
            while after - before > 1:
                middle = (before + after) // 2
                if _offset(zone_name, middle) == offsets[-1]:
                    before = middle
                else:
                    after = middle
            starts.append(after)
            offsets.append(current)
        cursor = following
    return starts, offsets


def offset_at(zone_name: str, utc: int) -> int:
    """The zone's UTC offset in seconds at a UTC instant."""
    if zone_name == "UTC":
        return 0
    starts, offsets = _table(zone_name, utc // _BUCKET)
    return offsets[bisect_right(starts, utc) - 1]


def to_local(zone_name: str, utc: int) -> int:
    return utc + offset_at(zone_name, utc)


def to_utc(zone_name: str, local: int) -> int:
    """The UTC instant of a wall-clock reading (gaps move forward, folds take the first)."""
    if zone_name == "UTC":
        return local
    starts, offsets = _table(zone_name, local // _BUCKET)
    count = len(starts)
    index = bisect_right(starts, local) - 1
    first, last = max(0, index - 2), min(count, index + 3)
    for k in range(first, last):
        candidate = local - offsets[k]
        if starts[k] <= candidate and (k + 1 == count or candidate < starts[k + 1]):
            return candidate
    for k in range(first, min(count - 1, last)):
        boundary = starts[k + 1]
        if local - offsets[k] >= boundary > local - offsets[k + 1]:
            return boundary
    return local - offsets[max(0, min(index, count - 1))]  # unreachable for real zones


def instant(moment: datetime, zone_name: str) -> int:
    """UTC epoch seconds of a datetime: aware as given, naive on the zone's wall clock."""
    if moment.tzinfo is not None:
        return int(moment.timestamp())
    return to_utc(zone_name, naive_seconds(moment))


def local_datetime(utc: int, zone_name: str) -> datetime:
    return datetime.fromtimestamp(utc, get_zone(zone_name))
