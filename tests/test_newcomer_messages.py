"""Messages a newcomer can act on, and one mistake giving one finding (SPEC §3)."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.conftest import ROOT, findings_of, run_cli, write_repo


def _sch003(tmp_path: Path, yaml_text: str) -> list[str]:
    root = write_repo(tmp_path, {"ownership/a.yaml": yaml_text})
    return [f["message"] for f in findings_of(run_cli("validate", "--format", "json", repo=root), "SCH003")]


def test_a_bad_escalation_target_says_what_a_target_is(tmp_path):
    (message,) = _sch003(tmp_path, "kind: Escalation\nid: e1\nlevels:\n  - {targets: [rotaton:x]}\n")
    assert "a target is rotation:<id> or person:<id>" in message
    assert "pattern" not in message and "^(" not in message


def test_a_yaml_11_boolean_says_write_true_or_false(tmp_path):
    (message,) = _sch003(tmp_path, "kind: Person\nid: al\nname: Al\nemail: al@example.com\ntimezone: UTC\n"
                                   "active: no\n")
    assert "write true or false" in message and "'no'" in message


def test_an_unquoted_account_number_says_quote_it(tmp_path):
    (message,) = _sch003(tmp_path, "kind: Role\nid: r1\nenvironment: staging\naccount: 123456789012\n"
                                   "statements: [{effect: Allow, actions: [s3:GetObject], resources: ['*']}]\n")
    assert 'quote it, account: "123456789012"' in message


def test_a_grantee_without_its_kind_says_what_to_write(tmp_path):
    (message,) = _sch003(tmp_path, "kind: Grant\nid: g1\nrole: r1\nto: [persn:al]\nreason: x\n")
    assert "write team:<id> or person:<id>" in message


def test_a_transposed_id_is_suggested(tmp_path):
    root = write_repo(tmp_path, {"ownership/a.yaml": (
        "- {kind: Person, id: mia, name: Mia, email: mia@example.com, timezone: UTC}\n"
        "- {kind: Person, id: kai, name: Kai, email: kai@example.com, timezone: UTC}\n"
        "- {kind: Team, id: t1, name: T, members: [mia, kia], leads: [mia]}\n")})
    (finding,) = findings_of(run_cli("validate", "--format", "json", repo=root), "SCH005")
    assert "did you mean kai?" in finding["message"]


def test_a_global_option_after_the_verb_says_where_it_goes():
    result = run_cli("validate", "--repo", ".", repo=None, now=None)
    assert result.code == 2
    assert "come before the verb" in result.err and "dutyguard --repo PATH" in result.err
    assert len(result.err.strip().splitlines()) == 1


def test_a_misspelt_time_zone_is_one_finding_not_five(tmp_path):
    """ivan with `America/Nwe_York` used to vanish, which also raised ESC001, ROT003 and more elsewhere."""
    shutil.copytree(ROOT / "ownership", tmp_path / "ownership")
    shutil.copytree(ROOT / "policy", tmp_path / "policy")
    people = tmp_path / "ownership/people/americas.yaml"
    text = people.read_text(encoding="utf-8")
    assert "id: ivan, name: Ivan Petrov, email: ivan@example.com, timezone: America/New_York" in text
    people.write_text(text.replace("timezone: America/New_York", "timezone: America/Nwe_York", 1), encoding="utf-8")
    result = run_cli("validate", "--format", "json", repo=tmp_path)
    blocking = [(f["rule"], f["entity"]) for f in result.json()["findings"] if f["severity"] != "waived"]
    assert blocking == [("SCH003", "person:ivan")]
    finding = next(f for f in result.json()["findings"] if f["rule"] == "SCH003")
    assert "did you mean America/New_York?" in finding["message"]
    assert finding["message"].count("Nwe_York") == 1
