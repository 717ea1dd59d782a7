"""`calendar`: shifts with their true start and end across DST, UIDs from the true start (SPEC §4)."""

from __future__ import annotations

from datetime import UTC, datetime

from icalendar import Calendar

from tests.conftest import run_cli

PEOPLE = """
- {kind: Person, id: alice, name: Alice, email: alice@example.com, timezone: Europe/Berlin}
- {kind: Person, id: bob, name: Bob, email: bob@example.com, timezone: Europe/Berlin}
- {kind: Person, id: carol, name: Carol, email: carol@example.com, timezone: America/New_York}
- {kind: Person, id: olga, name: Olga, email: olga@example.com, timezone: Europe/Berlin, active: false}
- {kind: Team, id: pay, name: Pay, members: [alice, bob, carol], leads: [alice]}
- {kind: Service, id: shop, owner: pay, tier: 1, escalation: shop}
- {kind: Service, id: office, owner: pay, tier: 3, escalation: office}
- kind: Escalation
  id: shop
  levels:
    - {targets: ["rotation:weekly"], after: 15m}
    - {targets: ["person:carol"]}
- kind: Escalation
  id: office
  levels:
    - {targets: ["rotation:solo"], after: 15m}
    - {targets: ["person:carol"]}
"""
ROTATIONS = """
- kind: Rotation
  id: weekly
  timezone: Europe/Berlin
  layers:
    - {name: weekly, members: [alice, bob], start: 2026-01-05T09:00, turn: 1w}
- kind: Rotation
  id: solo
  timezone: Europe/Berlin
  layers:
    - {name: always, members: [bob], start: 2026-01-05T09:00, turn: 1d}
"""


def _events(text: str) -> list:
    return [c for c in Calendar.from_ical(text).walk() if c.name == "VEVENT"]


def _calendar(root, *args: str, now: str) -> list:
    result = run_cli("calendar", *args, repo=root, now=now)
    assert result.code == 0, result.err
    return _events(result.out)


def _org(repo):
    return repo({"ownership/people.yaml": PEOPLE, "ownership/rotations.yaml": ROTATIONS})


def test_a_shift_running_across_a_dst_change_keeps_its_true_start_and_uid(repo) -> None:
    root = _org(repo)
    # the week from Monday 2026-10-19 09:00 CEST (07:00Z) to Monday 2026-10-26 09:00 CET (08:00Z): 169 hours
    after = _calendar(root, "--rotation", "weekly", "--days", "1", now="2026-10-26T07:30:00Z")
    assert after[0].decoded("dtstart") == datetime(2026, 10, 19, 7, tzinfo=UTC)
    assert after[0].decoded("dtend") == datetime(2026, 10, 26, 8, tzinfo=UTC)
    for now in ("2026-10-19T07:00:00Z", "2026-10-22T12:00:00Z", "2026-10-25T03:00:00Z"):  # before the change too
        before = _calendar(root, "--rotation", "weekly", "--days", "1", now=now)
        assert before[0]["uid"] == after[0]["uid"], now
        assert before[0].decoded("dtend") == datetime(2026, 10, 26, 8, tzinfo=UTC)


def test_a_one_person_rotation_keeps_one_uid(repo) -> None:
    root = _org(repo)
    uids = set()
    for now in ("2026-03-20T12:00:00Z", "2026-03-29T12:00:00Z", "2026-12-01T00:00:00Z", "2026-12-02T00:00:00Z"):
        events = _calendar(root, "--rotation", "solo", "--days", "2", now=now)
        assert len(events) == 1
        assert events[0].decoded("dtstart") == datetime(2026, 1, 5, 8, tzinfo=UTC)  # the layer's start
        uids.add(str(events[0]["uid"]))
    assert len(uids) == 1


def test_direct_escalation_duty_is_in_the_persons_calendar_marked_as_such(repo) -> None:
    root = _org(repo)
    events = _calendar(root, "--person", "carol", "--days", "2", now="2026-12-02T12:00:00Z")
    direct = [e for e in events if "direct escalation duty" in str(e.get("categories").to_ical())]
    assert direct and len(direct) == len(events)  # carol is in no rotation
    shop = sorted((e.decoded("dtstart"), e.decoded("dtend")) for e in direct if "shop" in str(e["summary"]))
    # tier 1 (24x7): every whole day of carol's own zone (America/New_York, 05:00Z)
    assert shop[0] == (datetime(2026, 12, 2, 5, tzinfo=UTC), datetime(2026, 12, 3, 5, tzinfo=UTC))
    office = sorted(e.decoded("dtstart") for e in direct if "office" in str(e["summary"]))
    # tier 3 (business): business hours on the first rotation's clock (Berlin 09:00 = 08:00Z)
    assert office[0] == datetime(2026, 12, 2, 8, tzinfo=UTC)
    assert all("level 2" in str(e["summary"]) and "named directly" in str(e["summary"]) for e in direct)
    uid = next(str(e["uid"]) for e in direct if e.decoded("dtstart") == datetime(2026, 12, 3, 8, tzinfo=UTC))
    assert uid.startswith("office/level-2/carol/")
    later = _calendar(root, "--person", "carol", "--days", "2", now="2026-12-03T09:00:00Z")
    assert uid in {str(e["uid"]) for e in later}


def test_an_inactive_persons_calendar_is_refused_with_the_reason(repo) -> None:
    result = run_cli("calendar", "--person", "olga", repo=_org(repo), now="2026-12-02T12:00:00Z")
    assert result.code == 2 and "inactive" in result.err and "Traceback" not in result.err
