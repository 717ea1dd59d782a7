"""Overrides and absences compare `from`/`to` as instants: offsets are respected (SPEC §3 "Times and windows")."""

from __future__ import annotations

from tests.conftest import findings_of, run_cli

PEOPLE = """
- {kind: Person, id: alice, name: Alice, email: alice@example.com, timezone: Europe/Berlin}
- {kind: Person, id: bob, name: Bob, email: bob@example.com, timezone: Europe/Berlin}
- {kind: Person, id: zoe, name: Zoe, email: zoe@example.com, timezone: Asia/Karachi}
"""


def rotation(override: str) -> str:
    return f"""
kind: Rotation
id: pay
timezone: Europe/Berlin
layers:
  - {{name: weekly, members: [alice, bob], start: 2026-01-05T09:00, turn: 1w}}
overrides:
  - {override}
"""


def test_an_override_with_offsets_is_four_hours_long_and_applies(repo) -> None:
    # 10:00+05:00 is 05:00Z, 09:00Z is four hours later: valid, although 09:00 reads earlier than 10:00
    root = repo({"ownership/people.yaml": PEOPLE, "ownership/rotation.yaml": rotation(
        '{person: zoe, from: "2026-12-02T10:00+05:00", to: "2026-12-02T09:00Z"}')})
    result = run_cli("validate", "--format", "json", repo=root, now="2026-11-30T12:00:00Z")
    assert findings_of(result, "SCH003") == []
    calendar = run_cli("calendar", "--person", "zoe", "--days", "7", repo=root, now="2026-11-30T12:00:00Z")
    assert calendar.code == 0, calendar.err
    assert "DTSTART:20261202T050000Z" in calendar.out and "DTEND:20261202T090000Z" in calendar.out


def test_an_override_that_ends_before_it_starts_is_sch003_at_its_to(repo) -> None:
    # 11:00+05:00 is 06:00Z: four hours before 10:00Z
    root = repo({"ownership/people.yaml": PEOPLE, "ownership/rotation.yaml": rotation(
        '{person: zoe, from: "2026-12-03T10:00Z", to: "2026-12-03T11:00+05:00"}')})
    found = findings_of(run_cli("validate", "--format", "json", repo=root, now="2026-11-30T12:00:00Z"), "SCH003")
    assert [(f["line"], f["entity"]) for f in found] == [(7, "rotation:pay")]
    assert "overrides.0.to" in found[0]["message"] and "not after its 'from'" in found[0]["message"]


def test_an_override_with_one_offset_reads_the_other_end_in_the_rotation_zone(repo) -> None:
    # from 10:00 Berlin (09:00Z) to 09:00Z: empty
    root = repo({"ownership/people.yaml": PEOPLE, "ownership/rotation.yaml": rotation(
        '{person: zoe, from: "2026-12-03T10:00", to: "2026-12-03T09:00Z"}')})
    found = findings_of(run_cli("validate", "--format", "json", repo=root, now="2026-11-30T12:00:00Z"), "SCH003")
    assert len(found) == 1 and "Europe/Berlin" in found[0]["message"]
    root2 = repo({"ownership/people.yaml": PEOPLE, "ownership/rotation.yaml": rotation(
        '{person: zoe, from: "2026-12-03T10:00", to: "2026-12-03T09:30Z"}')})
    assert findings_of(run_cli("validate", "--format", "json", repo=root2, now="2026-11-30T12:00:00Z"),
                       "SCH003") == []


def test_absence_datetimes_are_instants(repo) -> None:
    bad = "kind: Absence\nperson: bob\nfrom: 2026-12-03T10:00Z\nto: 2026-12-03T11:00+05:00\n"
    good = "kind: Absence\nperson: bob\nfrom: 2026-12-02T10:00+05:00\nto: 2026-12-02T09:00Z\n"
    root = repo({"ownership/people.yaml": PEOPLE, "ownership/absence.yaml": bad})
    found = findings_of(run_cli("validate", "--format", "json", repo=root, now="2026-11-30T12:00:00Z"), "SCH003")
    assert [f["line"] for f in found] == [4]
    (root / "ownership/absence.yaml").write_text(good)
    assert findings_of(run_cli("validate", "--format", "json", repo=root, now="2026-11-30T12:00:00Z"),
                       "SCH003") == []


def test_an_absence_empty_only_in_the_persons_zone_is_reported_not_ignored(repo) -> None:
    # 2026-12-03 starts at 2026-12-02T23:00Z in Berlin; to 22:30Z (no offset: UTC) is before that
    absence = "kind: Absence\nperson: bob\nfrom: 2026-12-03\nto: 2026-12-02T22:30\n"
    root = repo({"ownership/people.yaml": PEOPLE, "ownership/absence.yaml": absence})
    found = findings_of(run_cli("validate", "--format", "json", repo=root, now="2026-11-30T12:00:00Z"), "ROT004")
    assert [(f["entity"], f["line"]) for f in found] == [("absence:bob/2026-12-03", 4)]
    assert "Europe/Berlin" in found[0]["message"]
