"""The model: strict kinds, SCH003 at the field's own line, defaults as the spec says."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import findings_of, run_cli, write_repo
from validator.model.kinds import DEFAULT_TIERS, Settings


def _validate(tmp_path: Path, files: dict[str, str]):
    return run_cli("validate", "--format", "json", repo=write_repo(tmp_path, files))


PERSON = "kind: Person\nid: alice\nname: Alice\nemail: alice@example.com\ntimezone: Europe/Berlin\n"


@pytest.mark.parametrize(("extra", "line", "needle"), [
    ("active: yes\n", 6, "field 'active'"),            # YAML 1.2: `yes` is text, not a boolean
    ("activ: true\n", 6, "has no field 'activ'"),
    ("timezone: Mars/Olympus\n", 5, "not an IANA time zone"),
])
def test_person_field_errors_point_at_the_field(tmp_path: Path, extra: str, line: int, needle: str):
    text = PERSON if "timezone" not in extra else PERSON.replace("timezone: Europe/Berlin\n", "")
    result = _validate(tmp_path, {"ownership/p.yaml": text + extra})
    (finding,) = findings_of(result, "SCH003")
    assert finding["line"] == line
    assert needle in finding["message"]
    assert finding["entity"] == "person:alice"
    assert result.code == 1


@pytest.mark.parametrize("bad_id", ["Alice", "al_ice", "-alice", "alіce", "a" * 64])
def test_ids_are_lower_case_ascii(tmp_path: Path, bad_id: str):
    result = _validate(tmp_path, {"ownership/p.yaml": PERSON.replace("id: alice", f"id: {bad_id}")})
    (finding,) = findings_of(result, "SCH003")
    assert finding["line"] == 2


def test_missing_field_points_at_the_entity(tmp_path: Path):
    result = _validate(tmp_path, {"ownership/s.yaml": "# a service\nkind: Service\nid: api\ntier: 4\n"})
    (finding,) = findings_of(result, "SCH003")
    assert finding["line"] == 2
    assert "missing the required field 'owner'" in finding["message"]


@pytest.mark.parametrize(("value", "ok"), [("30m", True), ("2w", True), ("1.5h", False), ("10s", False), ("0d", False)])
def test_durations(tmp_path: Path, value: str, ok: bool):
    result = _validate(tmp_path, {"policy/settings.yaml": f"kind: Settings\nhorizon: {value}\n"})
    assert (findings_of(result, "SCH003") == []) is ok


def test_unquoted_account_number_is_a_type_error(tmp_path: Path):
    role = ("kind: Role\nid: r\nenvironment: staging\naccount: 123456789012\n"
            "statements:\n  - {effect: Allow, actions: [s3:GetObject], resources: ['*']}\n")
    result = _validate(tmp_path, {"policy/r.yaml": role})
    (finding,) = findings_of(result, "SCH003")
    assert finding["line"] == 4
    assert "account" in finding["message"]


def test_statement_needs_exactly_one_of_actions_and_not_actions(tmp_path: Path):
    role = ("kind: Role\nid: r\nenvironment: staging\naccount: '123456789012'\nstatements:\n"
            "  - effect: Allow\n    actions: [s3:GetObject]\n    not_actions: [iam:*]\n    resources: ['*']\n")
    result = _validate(tmp_path, {"policy/r.yaml": role})
    (finding,) = findings_of(result, "SCH003")
    assert finding["line"] == 6
    assert "exactly one of 'actions' or 'not_actions'" in finding["message"]


def test_leads_must_be_members(tmp_path: Path):
    team = "kind: Team\nid: t\nname: T\nmembers: [alice]\nleads: [bob]\n"
    result = _validate(tmp_path, {"ownership/t.yaml": team, "ownership/p.yaml": PERSON})
    (finding,) = findings_of(result, "SCH003")
    assert "add bob to members" in finding["message"]


def test_broken_entity_is_not_reported_again_as_dangling(tmp_path: Path):
    files = {"ownership/p.yaml": PERSON,
             "ownership/t.yaml": "kind: Team\nid: payments\nname: P\nmembers: [alice]\nleads: [alice]\ncolour: red\n",
             "ownership/s.yaml": "kind: Service\nid: api\nowner: payments\ntier: 4\n"}
    result = _validate(tmp_path, files)
    assert [f["rule"] for f in findings_of(result) if f["severity"] == "error"] == ["SCH003"]


def test_settings_defaults_match_the_spec():
    settings = Settings(kind="Settings")
    assert str(settings.horizon) == "28d"
    assert {k: v.model_dump() for k, v in settings.tiers.items()} == DEFAULT_TIERS
    assert settings.business_hours.days == ["mon", "tue", "wed", "thu", "fri"]
    assert (settings.business_hours.from_, settings.business_hours.to) == ("09:00", "17:00")
    assert (settings.night.from_, settings.night.to) == ("22:00", "07:00")
    assert (settings.max_oncall_share, settings.max_night_hours_per_week) == (0.34, 12)
    assert (settings.min_team_size, settings.max_grant_days, settings.break_glass_max_hours) == (2, 90, 24)
    assert settings.approvers == "team:security"


def test_partial_tier_override_keeps_other_defaults(tmp_path: Path):
    files = {"policy/settings.yaml": "kind: Settings\ntiers:\n  1: {min_people: 4}\n"}
    result = _validate(tmp_path, files)
    assert findings_of(result) == []
    from validator.load import load_repo
    from validator.model import build_org

    org, _ = build_org(load_repo(tmp_path))
    assert org.settings.tiers[1].min_people == 4
    assert org.settings.tiers[1].hours == "24x7"
    assert org.settings.tiers[3].hours == "business"


def test_two_settings_documents_are_duplicates(tmp_path: Path):
    result = _validate(tmp_path, {"policy/a.yaml": "kind: Settings\n", "policy/b.yaml": "kind: Settings\n"})
    assert [f["path"] for f in findings_of(result, "SCH004")] == ["policy/a.yaml", "policy/b.yaml"]


def test_document_that_is_not_an_entity(tmp_path: Path):
    result = _validate(tmp_path, {"ownership/x.yaml": "just text\n---\n- 1\n"})
    messages = [f["message"] for f in findings_of(result, "SCH003")]
    assert any("document is a text" in m for m in messages)
    assert any("item 1 of the list is a number" in m for m in messages)


def test_a_repeated_bad_value_is_reported_every_time(tmp_path: Path):
    """Parsed durations, dates and zones are remembered per text (a large organisation repeats
    them); an error must not be: each entity with the bad value gets its own finding."""
    people = "".join(f"- {{kind: Person, id: p{i}, name: P, email: p{i}@example.com, timezone: Mars/Olympus}}\n"
                     for i in range(3))
    absences = "".join(f"- {{kind: Absence, person: p{i}, from: '2026-02-30', to: '2026-03-02'}}\n"
                       for i in range(3))
    result = _validate(tmp_path, {"ownership/people.yaml": people, "ownership/absences.yaml": absences})
    entities = sorted(f["entity"] for f in findings_of(result, "SCH003"))
    assert entities == ["absence:p0/2026-02-30", "absence:p1/2026-02-30", "absence:p2/2026-02-30",
                        "person:p0", "person:p1", "person:p2"]


def test_a_zone_is_known_exactly_when_the_system_lists_it():
    """`is_timezone` (which spares a run the listing of the system's zone files) answers as membership in
    `zoneinfo.available_timezones()` does, for every listed name and for names it does not list."""
    import zoneinfo

    from validator.model.types import is_timezone

    listed = zoneinfo.available_timezones()
    assert all(is_timezone(name) for name in listed)
    for name in ("Mars/Olympus", "europe/berlin", "posixrules", "Europe", "", "Europe/Berlin ", "../etc/passwd"):
        assert is_timezone(name) == (name in listed)
