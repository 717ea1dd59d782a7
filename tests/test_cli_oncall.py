"""`dutyguard oncall` and `dutyguard calendar`, end to end through the CLI."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from icalendar import Calendar

from tests.cli_oncall_org import ORG
from tests.conftest import ROOT, run_cli


@pytest.fixture
def org(repo):
    return repo(ORG)


def test_oncall_json_names_who_each_level_pages(org):
    result = run_cli("oncall", "checkout-api", "--at", "2026-12-22T03:00:00Z", "--format", "json", repo=org)
    assert result.code == 0, result.err
    week = (datetime(2026, 12, 22, tzinfo=UTC) - datetime(2026, 1, 5, 8, tzinfo=UTC)).days // 7
    primary, secondary = ["alice", "bob", "carol"][week % 3], ["bob", "carol", "alice"][week % 3]
    assert result.json() == {"service": "checkout-api", "at": "2026-12-22T03:00:00+00:00", "levels": [
        {"level": 1, "people": [primary]}, {"level": 2, "people": sorted([secondary, "erin"])},
        {"level": 3, "people": ["alice"]}]}


def test_oncall_honours_overrides_and_treats_a_bare_time_as_utc(org):
    week = run_cli("oncall", "checkout-api", "--at", "2026-12-23T12:00", "--format", "json", repo=org).json()
    assert week["levels"][0] == {"level": 1, "people": ["carol"]}
    bare = run_cli("oncall", "checkout-api", "--at", "2026-12-24T03:00", "--format", "json", repo=org).json()
    assert bare["at"] == "2026-12-24T03:00:00+00:00"
    assert bare["levels"][0] == {"level": 1, "people": ["alice"]}  # the override
    offset = run_cli("oncall", "checkout-api", "--at", "2026-12-24T04:00+01:00", "--format", "json", repo=org)
    assert offset.json() == bare


def test_oncall_handoff_is_half_open_at_local_nine_across_dst(org):
    # Monday 2026-03-30 09:00 CEST = 07:00Z is a hand-off; 06:59:59Z is still the previous week
    before = run_cli("oncall", "checkout-api", "--at", "2026-03-30T06:59:59Z", "--format", "json", repo=org).json()
    after = run_cli("oncall", "checkout-api", "--at", "2026-03-30T07:00:00Z", "--format", "json", repo=org).json()
    assert before["levels"][0]["people"] == ["carol"]  # 11 weeks after 2026-01-05
    assert after["levels"][0]["people"] == ["alice"]


def test_oncall_text_lists_levels_with_targets(org):
    result = run_cli("oncall", "checkout-api", "--at", "2026-12-24T03:00Z", repo=org)
    assert result.code == 0
    assert "level 1: alice" in result.out and "rotation:pay-primary" in result.out
    assert "level 3: alice" in result.out


def test_oncall_service_without_escalation_pages_nobody(org):
    result = run_cli("oncall", "reporting", "--at", "2026-12-24T03:00Z", "--format", "json", repo=org)
    assert result.json()["levels"] == []


def test_oncall_unknown_service_is_a_usage_error_with_the_closest_id(org):
    result = run_cli("oncall", "checkout-apx", "--at", "2026-12-24T03:00Z", repo=org)
    assert result.code == 2
    assert "checkout-api" in result.err and "Traceback" not in result.err
    assert run_cli("oncall", "checkout-api", "--at", "yesterday", repo=org).code == 2


def test_oncall_on_the_example_organisation():
    result = run_cli("oncall", "checkout-api", "--at", "2026-12-24T03:00:00Z", "--format", "json", repo=ROOT)
    assert result.code == 0
    levels = result.json()["levels"]
    assert levels and all(level["people"] for level in levels)


def _events(text: str) -> list:
    return [c for c in Calendar.from_ical(text).walk() if c.name == "VEVENT"]


def test_calendar_for_a_person_has_one_event_per_shift_in_utc(org):
    result = run_cli("calendar", "--person", "alice", "--days", "28", repo=org, now="2026-12-14T12:00:00Z")
    assert result.code == 0, result.err
    events = _events(result.out)
    assert events
    starts = [e.decoded("dtstart") for e in events]
    assert all(s.tzinfo is not None and s.utcoffset().total_seconds() == 0 for s in starts)
    direct = [e for e in events if "named directly" in str(e["summary"])]  # alice is level 3 of pay
    assert direct and all(str(e["summary"]).startswith("On call: pay-") for e in events if e not in direct)
    # the override: alice from 2026-12-24 00:00 Berlin (23:00Z the day before) for three days
    assert datetime(2026, 12, 23, 23, tzinfo=UTC) in starts
    override = next(e for e in events if e.decoded("dtstart") == datetime(2026, 12, 23, 23, tzinfo=UTC)
                    and e not in direct)
    assert override.decoded("dtend") == datetime(2026, 12, 26, 23, tzinfo=UTC)
    assert str(override["summary"]) == "On call: pay-primary"
    assert len({str(e["uid"]) for e in events}) == len(events)


def test_calendar_is_deterministic_and_writes_a_file(org, tmp_path):
    out = tmp_path / "bob.ics"
    first = run_cli("calendar", "--person", "bob", "--out", str(out), repo=org)
    assert first.code == 0 and first.out == ""
    second = run_cli("calendar", "--person", "bob", repo=org)
    assert out.read_text(encoding="utf-8").replace("\r\n", "\n") == second.out.replace("\r\n", "\n")
    assert "BEGIN:VCALENDAR" in second.out and "DTSTAMP:20261123T120000Z" in second.out


def test_calendar_for_a_rotation_covers_the_days_asked(org):
    result = run_cli("calendar", "--rotation", "pay-secondary", "--days", "7", repo=org,
                     now="2026-11-23T12:00:00Z")
    events = _events(result.out)
    # a weekly rotation: the shift running now (shown whole, from Monday 09:00 Berlin) and the next one
    assert [e.decoded("dtstart") for e in events] == [datetime(2026, 11, 23, 8, tzinfo=UTC),
                                                     datetime(2026, 11, 30, 8, tzinfo=UTC)]
    assert all("(" in str(e["summary"]) for e in events)  # the person is named


def test_calendar_unknown_person_or_rotation_is_a_usage_error(org):
    assert run_cli("calendar", "--person", "bobb", repo=org).code == 2
    result = run_cli("calendar", "--rotation", "pay-primry", repo=org)
    assert result.code == 2 and "pay-primary" in result.err
    assert run_cli("calendar", repo=org).code == 2
    assert run_cli("calendar", "--person", "bob", "--days", "0", repo=org).code == 2
