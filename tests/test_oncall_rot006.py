"""ROT006 names what causes the night hours: an override, and never a daytime-only rotation."""

from __future__ import annotations

from tests.conftest import findings_of, run_cli

PEOPLE = """
- {kind: Person, id: alice, name: Alice, email: alice@example.com, timezone: Europe/Berlin}
- {kind: Person, id: bob, name: Bob, email: bob@example.com, timezone: Europe/Berlin}
- {kind: Person, id: carol, name: Carol, email: carol@example.com, timezone: Europe/Berlin}
- {kind: Person, id: kenji, name: Kenji, email: kenji@example.com, timezone: Asia/Tokyo}
- {kind: Person, id: sam, name: Sam, email: sam@example.com, timezone: America/Los_Angeles}
- {kind: Person, id: uma, name: Uma, email: uma@example.com, timezone: America/Los_Angeles}
"""
SETTINGS = "kind: Settings\nhorizon: 7d\nmax_oncall_share: 1\n"
FOLLOW_THE_SUN = """
kind: Rotation
id: pay
timezone: Europe/Berlin
layers:
  - name: day
    members: [alice, bob, carol]
    start: 2026-01-05T09:00
    turn: 1w
    restrictions: [{from: "07:00", to: "22:00"}]
  - name: night
    members: [sam, uma]
    start: 2026-01-05T09:00
    turn: 1w
    restrictions: [{from: "22:00", to: "07:00"}]
"""


def _rot006(repo, rotations: str) -> list[dict]:
    root = repo({"ownership/people.yaml": PEOPLE, "ownership/rotations.yaml": rotations,
                 "policy/settings.yaml": SETTINGS})
    return findings_of(run_cli("validate", "--format", "json", repo=root, now="2026-12-21T12:00:00Z"), "ROT006")


def test_an_override_that_puts_someone_on_call_day_and_night_is_named(repo) -> None:
    rotations = FOLLOW_THE_SUN + "overrides:\n  - {person: alice, from: 2026-12-24T00:00, to: 2026-12-27T00:00}\n"
    found = _rot006(repo, rotations)
    assert [(f["entity"], f["subject"], f["line"]) for f in found] == [("person:alice", "person:alice", 16)]
    message = found[0]["message"]
    assert "override 2026-12-24T00:00:00 – 2026-12-27T00:00:00 in pay" in message and "follow the sun" not in message


def test_a_daytime_only_rotation_is_not_a_source_of_night_hours(repo) -> None:
    rotations = """
- kind: Rotation
  id: nights
  timezone: Europe/Berlin
  layers:
    - {name: all-day, members: [alice, kenji], start: 2026-01-05T09:00, turn: 1w}
- kind: Rotation
  id: pay
  timezone: Europe/Berlin
  layers:
    - {name: day, members: [alice], start: 2026-01-05T09:00, turn: 1w, restrictions: [{from: "07:00", to: "22:00"}]}
"""
    found = [f for f in _rot006(repo, rotations) if f["entity"] == "person:alice"]
    assert len(found) == 1
    assert "in nights," in found[0]["message"] and "pay" not in found[0]["message"].split(", more than")[0]
    assert "follow the sun" in found[0]["message"]
