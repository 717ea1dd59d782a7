"""A deliberately naive reference for the on-call engine: one instant at a time, with datetime.

Shared by the engine tests; it follows the spec's words, not the engine's arithmetic.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from validator.model.kinds import Rotation
from validator.model.types import DAYS, clock_minutes


def wall_to_utc(zone: str, wall: datetime) -> datetime:
    """A wall-clock time: gaps move forward minute by minute to the first valid one, folds take the first."""
    tz = ZoneInfo(zone)
    if wall.tzinfo is not None:
        return wall.astimezone(UTC)
    candidate = wall
    while True:
        aware = candidate.replace(tzinfo=tz, fold=0)
        if aware.astimezone(UTC).astimezone(tz).replace(tzinfo=None) == candidate:
            return aware.astimezone(UTC)
        candidate += timedelta(minutes=1)


def _handoff(zone: str, start: datetime, turn, index: int) -> datetime:
    first = wall_to_utc(zone, start)
    if not turn.is_calendar:
        return first + timedelta(seconds=turn.seconds * index)
    if index == 0:
        return first
    wall = start.astimezone(ZoneInfo(zone)).replace(tzinfo=None) if start.tzinfo else start
    return wall_to_utc(zone, wall + timedelta(days=turn.days * index))


def _index(zone: str, start: datetime, turn, moment: datetime) -> int | None:
    first = wall_to_utc(zone, start)
    if moment < first:
        return None
    guess = int((moment - first).total_seconds() // (turn.days * 86400 if turn.is_calendar else turn.seconds))
    index = max(0, guess - 2)
    while _handoff(zone, start, turn, index + 1) <= moment:
        index += 1
    while index > 0 and _handoff(zone, start, turn, index) > moment:
        index -= 1
    return index


def _allowed(zone: str, restrictions, moment: datetime) -> bool:
    if not restrictions:
        return True
    local_day = moment.astimezone(ZoneInfo(zone)).date()
    for restriction in restrictions:
        begin, finish = clock_minutes(restriction.from_), clock_minutes(restriction.to)
        length = finish - begin if finish > begin else finish + 1440 - begin
        for back in range(3):
            day = local_day - timedelta(days=back)
            if DAYS[day.weekday()] not in restriction.days:
                continue
            wall = datetime(day.year, day.month, day.day) + timedelta(minutes=begin)  # noqa: DTZ001
            if wall_to_utc(zone, wall) <= moment < wall_to_utc(zone, wall + timedelta(minutes=length)):
                return True
    return False


def deciding_reference(rotation: Rotation, moment: datetime) -> int | None:
    """The index of the layer that decides who is on call at `moment` (overrides aside), the slow way:
    the last layer that has begun and whose restrictions allow someone then (ROT001's window)."""
    zone = rotation.timezone
    for position in range(len(rotation.layers) - 1, -1, -1):
        layer = rotation.layers[position]
        if _index(zone, layer.start, layer.turn, moment) is not None and _allowed(zone, layer.restrictions, moment):
            return position
    return None


def who_reference(rotation: Rotation, moment: datetime) -> str | None:
    """Who is on call at `moment` (aware), the slow way."""
    zone = rotation.timezone
    for override in reversed(rotation.overrides):
        if wall_to_utc(zone, override.from_) <= moment < wall_to_utc(zone, override.to):
            return override.person
    position = deciding_reference(rotation, moment)
    if position is None:
        return None
    layer = rotation.layers[position]
    return layer.members[_index(zone, layer.start, layer.turn, moment) % len(layer.members)]


# --- the property: the interval engine agrees with the reference everywhere we look ------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from validator.oncall import contains, timeline  # noqa: E402

# each zone with windows (10 days from these starts) around its 2026 DST switches
ZONES = {
    "Europe/Berlin": [datetime(2026, 3, 25, tzinfo=UTC), datetime(2026, 10, 22, tzinfo=UTC)],
    "Europe/London": [datetime(2026, 3, 25, tzinfo=UTC), datetime(2026, 10, 22, tzinfo=UTC)],
    "America/New_York": [datetime(2026, 3, 5, tzinfo=UTC), datetime(2026, 10, 28, tzinfo=UTC)],
    "Australia/Sydney": [datetime(2026, 4, 1, tzinfo=UTC), datetime(2026, 9, 30, tzinfo=UTC)],
    "Australia/Lord_Howe": [datetime(2026, 4, 1, tzinfo=UTC), datetime(2026, 9, 30, tzinfo=UTC)],
    "America/Santiago": [datetime(2026, 4, 1, tzinfo=UTC), datetime(2026, 9, 3, tzinfo=UTC)],
    "Asia/Kolkata": [datetime(2026, 3, 25, tzinfo=UTC)],
    "UTC": [datetime(2026, 3, 25, tzinfo=UTC)],
}
PEOPLE = ["ann", "ben", "cat", "dan"]


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


# DST switches happen around 01:00-03:00 local: make those wall-clock times common
clocks = st.one_of(st.sampled_from(["00:00", "00:30", "01:00", "01:30", "02:00", "02:30", "03:00"]),
                   st.integers(0, 47).map(lambda half_hours: _clock(half_hours * 30)))
restriction = st.fixed_dictionaries({
    "days": st.lists(st.sampled_from(DAYS), min_size=1, max_size=7, unique=True),
    "from": clocks, "to": clocks,
})
turn = st.one_of(
    st.integers(1, 3).map(lambda n: f"{n}d"), st.integers(1, 2).map(lambda n: f"{n}w"),
    st.integers(1, 30).map(lambda n: f"{n}h"), st.integers(45, 600).map(lambda n: f"{n}m"))


@st.composite
def rotations(draw):
    zone = draw(st.sampled_from(sorted(ZONES)))
    window = draw(st.sampled_from(ZONES[zone]))
    layers = []
    for i in range(draw(st.integers(1, 3))):
        day = window.replace(tzinfo=None, hour=0) + timedelta(days=draw(st.integers(-30, 5)))
        start = day + timedelta(minutes=clock_minutes(draw(clocks)) + draw(st.sampled_from([0, 0, 0, 7])))
        layers.append({
            "name": f"layer{i}", "members": draw(st.lists(st.sampled_from(PEOPLE), min_size=1, max_size=3)),
            "start": start.isoformat(), "turn": draw(turn),
            "restrictions": draw(st.lists(restriction, max_size=2)),
        })
    overrides = []
    for _ in range(draw(st.integers(0, 2))):
        begin = window.replace(tzinfo=None) + timedelta(minutes=draw(st.integers(0, 8 * 1440)))
        overrides.append({"person": draw(st.sampled_from(PEOPLE)), "from": begin.isoformat(),
                          "to": (begin + timedelta(minutes=draw(st.integers(1, 3 * 1440)))).isoformat()})
    data = {"kind": "Rotation", "id": "r", "timezone": zone, "layers": layers,
            "overrides": overrides}
    return Rotation.model_validate(data), window


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rotations(), st.lists(st.integers(0, 10 * 1440 - 1), min_size=20, max_size=40))
def test_interval_engine_agrees_with_minute_sampler(case, minutes):
    rotation, window = case
    start, end = window, window + timedelta(days=10)
    computed = timeline(rotation, start, end)
    instants = {start + timedelta(minutes=m) for m in minutes}
    for s, e, _ in computed.segments:  # both sides of every boundary the engine found
        for edge in (s - 60, s, e - 60, e):
            moment = datetime.fromtimestamp(edge, UTC)
            if start <= moment < end:
                instants.add(moment)
    for s, e in (span for spans in computed.deciding for span in spans):  # and of every deciding window
        for edge in (s - 60, s, e - 60, e):
            moment = datetime.fromtimestamp(edge, UTC)
            if start <= moment < end:
                instants.add(moment)
    for moment in sorted(instants):
        at = int(moment.timestamp())
        assert computed.who(at) == who_reference(rotation, moment), moment
        deciding = [i for i, spans in enumerate(computed.deciding) if contains(spans, at)]
        assert deciding == ([] if (want := deciding_reference(rotation, moment)) is None else [want]), moment
