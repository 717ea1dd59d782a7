"""The time engine on hand-picked cases: DST, restrictions, layers, overrides, escalation view."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from validator.model.kinds import Absence, Escalation, Rotation
from validator.oncall import (
    TurnLimit,
    absence_interval,
    complement,
    describe_window,
    nobody,
    paged_at,
    shared,
    single_person,
    steps,
    subtract,
    timeline,
    union,
    who,
)


def rot(zone: str, *layers: dict, overrides: list | None = None, ident: str = "r") -> Rotation:
    return Rotation.model_validate({"kind": "Rotation", "id": ident, "timezone": zone, "layers": list(layers),
                                    "overrides": overrides or []})


def layer(members, start, turn, restrictions=None, name="l") -> dict:
    return {"name": name, "members": members, "start": start, "turn": turn, "restrictions": restrictions or []}


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def ts(text: str) -> int:
    return int(utc(text).timestamp())


def handoffs(rotation: Rotation, start: str, end: str) -> list[tuple[str, str]]:
    return [(datetime.fromtimestamp(s, UTC).strftime("%Y-%m-%dT%H:%M"), p)
            for s, _, p in timeline(rotation, utc(start), utc(end)).segments]


# --- DST: day and week turns keep the local hand-off time -----------------------------------------

def test_weekly_berlin_handoff_stays_at_nine_local_across_both_switches():
    weekly = rot("Europe/Berlin", layer(["alice", "bob"], "2026-01-05T09:00", "1w"))
    # 2026-03-29 spring forward: Mon 23 Mar 09:00 CET = 08:00Z, Mon 30 Mar 09:00 CEST = 07:00Z
    assert handoffs(weekly, "2026-03-23T08:00", "2026-04-06T07:00") == [
        ("2026-03-23T08:00", "bob"), ("2026-03-30T07:00", "alice")]
    # 2026-10-25 fall back: Mon 19 Oct 09:00 CEST = 07:00Z, Mon 26 Oct 09:00 CET = 08:00Z
    assert handoffs(weekly, "2026-10-19T07:00", "2026-11-02T08:00") == [
        ("2026-10-19T07:00", "bob"), ("2026-10-26T08:00", "alice")]
    assert who(weekly, utc("2026-10-26T07:59")) == "bob"
    assert who(weekly, utc("2026-10-26T08:00")) == "alice"


def test_daily_new_york_handoff_stays_at_nine_local_across_both_switches():
    daily = rot("America/New_York", layer(["mia", "noah"], "2026-03-01T09:00", "1d"))
    # 2026-03-08 spring forward: 09:00 EST = 14:00Z, 09:00 EDT = 13:00Z
    assert handoffs(daily, "2026-03-07T14:00", "2026-03-09T13:00") == [
        ("2026-03-07T14:00", "mia"), ("2026-03-08T13:00", "noah")]
    # 2026-11-01 fall back: 09:00 EDT = 13:00Z, 09:00 EST = 14:00Z; the turn that spans it lasts 25 hours
    got = timeline(daily, utc("2026-10-31T13:00"), utc("2026-11-02T14:00")).segments
    assert [(datetime.fromtimestamp(s, UTC).hour, e - s) for s, e, _ in got] == [(13, 25 * 3600), (14, 24 * 3600)]


def test_hour_turns_are_fixed_lengths_so_local_handoff_moves():
    twelve = rot("Europe/Berlin", layer(["a", "b"], "2026-03-28T09:00", "12h"))
    # 09:00 CET = 08:00Z; after the switch the same 08:00Z hand-off is 10:00 CEST
    assert handoffs(twelve, "2026-03-28T08:00", "2026-03-30T00:00") == [
        ("2026-03-28T08:00", "a"), ("2026-03-28T20:00", "b"), ("2026-03-29T08:00", "a"), ("2026-03-29T20:00", "b")]


def test_nonexistent_handoff_moves_forward_and_ambiguous_takes_first():
    daily = rot("Europe/Berlin", layer(["a", "b"], "2026-03-27T02:30", "1d"))
    # 02:30 does not exist on 2026-03-29: the hand-off is at 03:00 CEST = 01:00Z
    assert ("2026-03-29T01:00", "a") in handoffs(daily, "2026-03-28T00:00", "2026-03-30T12:00")
    autumn = rot("Europe/Berlin", layer(["a", "b"], "2026-10-23T02:30", "1d"))
    # 02:30 happens twice on 2026-10-25: the first one, 02:30 CEST = 00:30Z
    assert ("2026-10-25T00:30", "a") in handoffs(autumn, "2026-10-24T00:00", "2026-10-26T12:00")


def test_nobody_before_the_layer_starts():
    late = rot("UTC", layer(["a"], "2026-06-01T00:00", "1w"))
    assert who(late, utc("2026-05-31T23:59")) is None
    assert who(late, utc("2026-06-01T00:00")) == "a"


# --- restrictions ----------------------------------------------------------------------------------

def test_restriction_crossing_midnight_counts_from_the_day_it_starts():
    nights = rot("UTC", layer(["a"], "2026-01-05T00:00", "1w", [{"days": ["fri"], "from": "22:00", "to": "06:00"}]))
    # Fri 2026-11-27 22:00 .. Sat 06:00, and not Friday 00:00-06:00
    assert who(nights, utc("2026-11-27T05:00")) is None
    assert who(nights, utc("2026-11-27T22:00")) == "a"
    assert who(nights, utc("2026-11-28T05:59")) == "a"
    assert who(nights, utc("2026-11-28T06:00")) is None
    assert who(nights, utc("2026-11-28T22:00")) is None


def test_weekday_restriction_in_a_non_utc_zone_uses_local_days():
    tokyo = rot("Asia/Tokyo", layer(["kenji"], "2026-01-05T09:00", "1w",
                                    [{"days": ["mon"], "from": "09:00", "to": "17:00"}]))
    # Mon 2026-11-23 09:00-17:00 JST = Mon 00:00-08:00Z; the UTC Monday afternoon is already Tuesday in Tokyo
    segments = timeline(tokyo, utc("2026-11-22T00:00"), utc("2026-11-25T00:00")).segments
    assert segments == [(ts("2026-11-23T00:00"), ts("2026-11-23T08:00"), "kenji")]


def test_restriction_across_dst_keeps_wall_clock_bounds():
    evenings = rot("Europe/Berlin", layer(["a"], "2026-01-05T09:00", "1w", [{"from": "22:00", "to": "06:00"}]))
    spans = timeline(evenings, utc("2026-03-28T12:00"), utc("2026-03-29T12:00")).segments
    # Sat 22:00 CET (21:00Z) until Sun 06:00 CEST (04:00Z): seven hours that night
    assert spans == [(ts("2026-03-28T21:00"), ts("2026-03-29T04:00"), "a")]


def test_equal_from_and_to_is_a_full_day():
    full = rot("UTC", layer(["a"], "2026-01-05T00:00", "1w", [{"days": ["sat"], "from": "08:00", "to": "08:00"}]))
    assert timeline(full, utc("2026-11-27T00:00"), utc("2026-12-01T00:00")).segments == [
        (ts("2026-11-28T08:00"), ts("2026-11-29T08:00"), "a")]


# --- layers and overrides --------------------------------------------------------------------------

def test_later_layer_wins_where_it_has_someone():
    layered = rot("UTC",
                  layer(["base"], "2026-01-05T00:00", "1w", name="base"),
                  layer(["day"], "2026-01-05T00:00", "1w", [{"from": "09:00", "to": "17:00"}], name="day"))
    assert handoffs(layered, "2026-11-23T00:00", "2026-11-24T00:00") == [
        ("2026-11-23T00:00", "base"), ("2026-11-23T09:00", "day"), ("2026-11-23T17:00", "base")]


def test_override_replaces_the_result_half_open_on_its_boundaries():
    weekly = rot("UTC", layer(["a", "b"], "2026-01-05T00:00", "1w"),
                 overrides=[{"person": "carol", "from": "2026-11-23T10:00", "to": "2026-11-23T12:00"}])
    assert who(weekly, utc("2026-11-23T09:59:59")) == "a"
    assert who(weekly, utc("2026-11-23T10:00")) == "carol"
    assert who(weekly, utc("2026-11-23T11:59:59")) == "carol"
    assert who(weekly, utc("2026-11-23T12:00")) == "a"


def test_override_exactly_on_a_handoff_and_later_override_wins():
    weekly = rot("UTC", layer(["a", "b"], "2026-01-05T00:00", "1w"), overrides=[
        {"person": "x", "from": "2026-11-30T00:00", "to": "2026-12-01T00:00"},
        {"person": "y", "from": "2026-11-30T12:00", "to": "2026-12-02T00:00"}])
    assert handoffs(weekly, "2026-11-29T00:00", "2026-12-03T00:00") == [
        ("2026-11-29T00:00", "a"), ("2026-11-30T00:00", "x"), ("2026-11-30T12:00", "y"), ("2026-12-02T00:00", "b")]


def test_a_tiny_turn_over_a_long_window_is_refused_not_computed():
    minute = rot("UTC", layer(["a", "b"], "2026-01-05T00:00", "1m"))
    with pytest.raises(TurnLimit):
        timeline(minute, utc("2026-01-05T00:00"), utc("2026-12-31T00:00"))
    assert len(timeline(minute, utc("2026-01-05T00:00"), utc("2026-01-05T01:00")).segments) == 60


# --- intervals, absences, wording ------------------------------------------------------------------

def test_interval_set_helpers():
    assert union([(0, 5)], [(5, 8), (10, 12)]) == [(0, 8), (10, 12)]
    assert subtract([(0, 10)], [(2, 3), (5, 7)]) == [(0, 2), (3, 5), (7, 10)]
    assert complement([(2, 3)], 0, 5) == [(0, 2), (3, 5)]


def test_absence_dates_are_whole_days_in_the_persons_zone_to_inclusive():
    absence = Absence.model_validate({"kind": "Absence", "person": "bob", "from": "2026-12-20", "to": "2026-12-21"})
    assert absence_interval(absence, "Europe/Berlin") == (ts("2026-12-19T23:00"), ts("2026-12-21T23:00"))
    timed = Absence.model_validate({"kind": "Absence", "person": "bob", "from": date(2026, 12, 20),
                                    "to": "2026-12-20T12:00"})
    assert absence_interval(timed, "Asia/Tokyo")[1] == ts("2026-12-20T12:00")  # no offset: UTC


def test_window_wording_in_the_zone():
    assert describe_window(ts("2026-12-05T16:00"), ts("2026-12-07T08:00"), "Europe/Berlin") == \
        "Sat 2026-12-05 17:00 – Mon 09:00"


# --- escalation view -------------------------------------------------------------------------------

def test_escalation_view_levels_gaps_single_person_and_shared():
    day = rot("UTC", layer(["a", "b"], "2026-01-05T00:00", "1w", [{"from": "09:00", "to": "17:00"}]), ident="day")
    night = rot("UTC", layer(["a"], "2026-01-05T00:00", "1w", [{"from": "17:00", "to": "20:00"}]), ident="night")
    escalation = Escalation.model_validate({"kind": "Escalation", "id": "e", "levels": [
        {"targets": ["rotation:day"], "after": "5m"}, {"targets": ["rotation:night", "person:zed"]}]})
    rotations = {"day": day, "night": night}
    w0, w1 = ts("2026-11-23T00:00"), ts("2026-11-24T00:00")  # a week of 'a' in both
    view = steps(escalation, lambda rid: timeline(rotations[rid], w0, w1), w0, w1)
    assert nobody(view, 0) == [(w0, ts("2026-11-23T09:00")), (ts("2026-11-23T17:00"), w1)]
    assert nobody(view) == []  # zed is always paged by level 2
    assert single_person(view) == {"zed": [(w0, ts("2026-11-23T09:00")), (ts("2026-11-23T20:00"), w1)]}
    assert shared(view, 0, 1) == {}
    at = ts("2026-11-23T10:00")
    assert paged_at(escalation, lambda rid: timeline(rotations[rid], at, at + 1), at) == [["a"], ["zed"]]
    only_active = steps(escalation, lambda rid: timeline(rotations[rid], w0, w1), w0, w1, counts={"a"})
    assert nobody(only_active) == [(w0, ts("2026-11-23T09:00")), (ts("2026-11-23T20:00"), w1)]
