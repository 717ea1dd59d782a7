"""ROT and ESC rules: what their findings say, and the decisions behind them (docs/oncall.md)."""

from __future__ import annotations

from tests.conftest import findings_of, run_cli

PEOPLE = """
- {kind: Person, id: alice, name: Alice, email: alice@example.com, timezone: Europe/Berlin}
- {kind: Person, id: bob, name: Bob, email: bob@example.com, timezone: Europe/Berlin}
- {kind: Person, id: carol, name: Carol, email: carol@example.com, timezone: Europe/Berlin}
- {kind: Person, id: dave, name: Dave, email: dave@example.com, timezone: Europe/Berlin, active: false}
- {kind: Person, id: kenji, name: Kenji, email: kenji@example.com, timezone: Asia/Tokyo}
- {kind: Team, id: payments, name: Payments, members: [alice, bob, carol], leads: [alice]}
"""


def org(repo, tier: int, rotation: str, levels: str, extra: str = "") -> object:
    return repo({
        "ownership/people.yaml": PEOPLE,
        "ownership/service.yaml": f"kind: Service\nid: checkout-api\nowner: payments\ntier: {tier}\nescalation: pay\n",
        "ownership/rotation.yaml": rotation,
        "ownership/escalation.yaml": f"kind: Escalation\nid: pay\nlevels:\n{levels}",
        "ownership/extra.yaml": extra or "[]\n",
    })


def messages(root, rule: str, now: str = "2026-11-30T12:00:00Z") -> list[str]:
    return [f["message"] for f in findings_of(run_cli("validate", "--format", "json", repo=root, now=now), rule)]


WEEKDAYS_AND_SATURDAY = """
kind: Rotation
id: pay-primary
timezone: Europe/Berlin
layers:
  - name: days
    members: [alice, bob, carol]
    start: 2026-01-05T09:00
    turn: 1w
    restrictions:
      - {days: [mon, tue, wed, thu, fri, sat], from: "09:00", to: "17:00"}
      - {days: [mon, tue, wed, thu, fri], from: "17:00", to: "09:00"}
"""
ONE_LEVEL = '  - {targets: ["rotation:pay-primary"], after: 15m}\n  - {targets: ["rotation:pay-primary"]}\n'


def test_rot002_names_the_gap_on_the_rotations_wall_clock(repo):
    root = org(repo, 1, WEEKDAYS_AND_SATURDAY, ONE_LEVEL)
    got = messages(root, "ROT002")
    assert len(got) == 1
    assert got[0].startswith("no one on call for checkout-api Sat 2026-12-05 17:00 – Mon 09:00, "
                             "Sat 2026-12-12 17:00 – Mon 09:00, Sat 2026-12-19 17:00 – Mon 09:00 Europe/Berlin "
                             "(and 1 more) (tier 1 needs 24x7)")


def test_rot002_business_hours_use_the_first_rotations_zone(repo):
    # Mon-Fri 09:00-17:00 in Tokyo: a Berlin-business-hours check would see a gap, a Tokyo one does not
    tokyo = WEEKDAYS_AND_SATURDAY.replace("Europe/Berlin", "Asia/Tokyo").replace(
        '      - {days: [mon, tue, wed, thu, fri], from: "17:00", to: "09:00"}\n', "")
    assert messages(org(repo, 3, tokyo, ONE_LEVEL), "ROT002") == []


def test_a_leaver_on_call_is_a_gap(repo):
    rotation = """
kind: Rotation
id: pay-primary
timezone: Europe/Berlin
layers:
  - {name: weekly, members: [alice, bob, carol, dave], start: 2026-01-05T09:00, turn: 1w}
"""
    got = messages(org(repo, 2, rotation, ONE_LEVEL), "ROT002", now="2026-11-23T12:00:00Z")
    # week 47 after 2026-01-05 is dave's: Mon 2026-11-30 09:00 .. Mon 2026-12-07 09:00
    assert got and "Mon 2026-11-30 09:00 – Mon 2026-12-07 09:00 Europe/Berlin" in got[0]


def test_rot003_reports_first_level_gaps_only_where_a_later_level_covers(repo):
    levels = '  - {targets: ["rotation:pay-primary"], after: 15m}\n  - {targets: ["person:alice"]}\n'
    root = org(repo, 1, WEEKDAYS_AND_SATURDAY, levels)
    assert messages(root, "ROT002") == []
    got = messages(root, "ROT003")
    assert len(got) == 1 and "Sat 2026-12-05 17:00 – Mon 09:00" in got[0] and "after 15m" in got[0]


def test_rot004_absence_dates_are_days_in_the_persons_own_zone(repo):
    rotation = """
kind: Rotation
id: pay-primary
timezone: Europe/Berlin
layers:
  - {name: daily, members: [kenji, alice], start: 2026-11-30T09:00, turn: 1d}
"""
    absence = "- {kind: Absence, person: kenji, from: 2026-12-03, to: 2026-12-03}\n"
    got = messages(org(repo, 4, rotation, ONE_LEVEL, absence), "ROT004", now="2026-11-30T00:00:00Z")
    # kenji's Dec 3 is 00:00-24:00 in Tokyo = Dec 2 16:00 .. Dec 3 16:00 Berlin; his turns are
    # Mon, Wed, Fri 09:00 Berlin: Wed 2 Dec 16:00 .. Thu 3 Dec 09:00 Berlin falls in the absence
    assert got == ["kenji is on call in pay-primary during their absence Wed 2026-12-02 16:00 – Thu 09:00 "
                   "Europe/Berlin: add an override that gives these hours to someone else"]


def test_rot006_averages_night_hours_over_the_horizon(repo):
    six = """
kind: Rotation
id: pay-primary
timezone: Europe/Berlin
layers:
  - {name: weekly, members: [alice, bob, carol, kenji, alice, bob], start: 2026-01-05T09:00, turn: 1w}
"""
    # alice and bob: 2 of 6 weeks, 63 night hours each time -> 21 h/week on average over 6 weeks;
    # with a 6-week horizon they are each on call for 2 weeks
    settings = "kind: Settings\nhorizon: 6w\n"
    root = org(repo, 4, six, ONE_LEVEL, settings)
    got = messages(root, "ROT006", now="2026-11-23T08:00:00Z")
    assert any(m.startswith("alice is on call 21.0 night hours a week") for m in got)
    assert not any(m.startswith("carol") for m in got)  # one week in six: 10.5 h/week


def test_esc001_is_checked_in_support_hours_only(repo):
    rotation = WEEKDAYS_AND_SATURDAY.replace(
        '      - {days: [mon, tue, wed, thu, fri], from: "17:00", to: "09:00"}\n', "")
    levels = '  - {targets: ["rotation:pay-primary"], after: 15m}\n  - {targets: ["person:alice"]}\n'
    business = org(repo, 3, rotation, levels)
    got = messages(business, "ESC001")
    # alice's own week (Mon 2026-12-07) in business hours: she is level 1 and level 2
    assert len(got) == 1 and "reaches only one person (alice) Mon 2026-12-07 09:00 – 17:00" in got[0]
    # Mon-Fri of that week and Mon 2026-12-28 until the horizon ends: six windows; her Saturday
    # (on call, but outside business hours) would make it seven
    assert "(and 3 more)" in got[0]
