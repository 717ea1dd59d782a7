"""The command line: verbs, exit codes, one-line usage errors, the JSON shape."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, findings_of, run_cli, write_repo

PEOPLE = """\
- {kind: Person, id: alice, name: Alice, email: alice@example.com, timezone: Europe/Berlin}
- {kind: Person, id: oscar, name: Oscar, email: oscar@example.com, timezone: Europe/Berlin, active: false}
"""
ORPHAN = """\
- {kind: Team, id: ghosts, name: Ghosts, members: [oscar], leads: [oscar]}
- {kind: Service, id: haunted, owner: ghosts, tier: 4}
"""


@pytest.fixture
def orphan_repo(tmp_path: Path) -> Path:
    return write_repo(tmp_path, {"ownership/people.yaml": PEOPLE, "ownership/services/ghosts.yaml": ORPHAN})


def test_json_output_has_the_spec_shape(orphan_repo: Path):
    result = run_cli("validate", "--format", "json", repo=orphan_repo)
    data = result.json()
    assert set(data) == {"findings", "counts"}
    assert set(data["counts"]) == {"error", "warning", "waived"}
    orphan = next(f for f in data["findings"] if f["rule"] == "OWN001")
    assert orphan == {"rule": "OWN001", "severity": "error", "path": "ownership/services/ghosts.yaml", "line": 2,
                      "entity": "service:haunted", "subject": "",
                      "fingerprint": hashlib.sha256(b"OWN001\x1fservice:haunted\x1f").hexdigest(),
                      "message": orphan["message"]}
    assert data["counts"]["error"] == sum(1 for f in data["findings"] if f["severity"] == "error")
    assert result.code == 1


def test_text_output_groups_by_file_with_a_summary(orphan_repo: Path):
    result = run_cli("validate", "--format", "text", repo=orphan_repo)
    lines = result.out.splitlines()
    assert lines[0] == "ownership/services/ghosts.yaml"
    assert lines[-1].startswith("FAILED: ")
    assert "error(s)" in lines[-1]
    body = [line for line in lines if line.startswith("  ")]
    assert [int(line.split(":")[0]) for line in body] == sorted(int(line.split(":")[0]) for line in body)


def test_auto_format_is_text_outside_github_actions(orphan_repo: Path, monkeypatch):
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    assert run_cli("validate", repo=orphan_repo).out.splitlines()[-1].startswith("FAILED")


def test_clean_repository_exits_zero(tmp_path: Path):
    root = write_repo(tmp_path, {"ownership/people.yaml": PEOPLE.splitlines()[0] + "\n"})
    result = run_cli("validate", "--format", "json", repo=root)
    assert (result.code, findings_of(result)) == (0, [])


def test_severity_override_and_off(orphan_repo: Path):
    (orphan_repo / "policy").mkdir()
    (orphan_repo / "policy/settings.yaml").write_text("kind: Settings\nseverity: {OWN001: warning, OWN005: off}\n")
    result = run_cli("validate", "--format", "json", repo=orphan_repo)
    assert {f["rule"]: f["severity"] for f in findings_of(result)}.get("OWN001") == "warning"
    assert findings_of(result, "OWN005") == []


def test_waiver_turns_a_finding_into_waived(orphan_repo: Path):
    (orphan_repo / "policy").mkdir()
    (orphan_repo / "policy/settings.yaml").write_text(
        "kind: Settings\nwaivers:\n  - {rule: OWN001, entity: 'service:haunted', reason: sunset in Q1, "
        "expires: 2027-03-31, approved_by: alice}\n")
    data = run_cli("validate", "--format", "json", repo=orphan_repo).json()
    (waived,) = [f for f in data["findings"] if f["rule"] == "OWN001"]
    assert waived["severity"] == "waived"
    assert data["counts"]["waived"] == 1


@pytest.mark.parametrize("argv", [
    ["validate", "--frobnicate"],
    ["validate", "--format", "yaml"],
    ["no-such-verb"],
    [],
    ["--now", "yesterday", "validate"],
    ["explain", "XYZ999"],
])
def test_bad_usage_is_one_line_and_exit_2(argv: list[str]):
    result = run_cli(*argv, repo=ROOT, now=None)
    assert result.code == 2
    assert result.err.count("\n") == 1
    assert result.err.startswith("dutyguard: error: ")
    assert "Traceback" not in result.err


def test_missing_repository_is_exit_2(tmp_path: Path):
    result = run_cli("validate", repo=tmp_path / "nope")
    assert result.code == 2
    assert "not a readable directory" in result.err
    result = run_cli("validate", repo=tmp_path)
    assert result.code == 2
    assert "neither ownership/ nor policy/" in result.err


def test_explain_prints_rationale_and_examples():
    result = run_cli("explain", "own001", now=None)
    assert result.code == 0
    assert result.out.startswith("OWN001 (error): orphaned service")
    assert "Fails:" in result.out and "Passes:" in result.out


def test_explain_suggests_the_closest_rule():
    result = run_cli("explain", "OWN010", now=None)
    assert result.code == 2
    assert "did you mean" in result.err


def test_schema_is_json_schema_that_accepts_and_rejects(tmp_path: Path):
    import jsonschema

    schema = json.loads(run_cli("schema", now=None).out)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    person = {"kind": "Person", "id": "alice", "name": "A", "email": "a@example.com", "timezone": "UTC"}
    assert validator.is_valid(person)
    assert validator.is_valid([person])
    assert not validator.is_valid({**person, "colour": "red"})
    assert set(schema["$defs"]) >= {"Person", "Team", "Service", "Rotation", "Escalation", "Absence", "Role", "Grant",
                                    "Settings"}


def test_python_dash_m_is_the_same_program(orphan_repo: Path):
    proc = subprocess.run([sys.executable, "-m", "validator", "--repo", str(orphan_repo), "--now",
                           "2026-11-23T00:00Z", "validate", "--format", "json"], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 1
    assert json.loads(proc.stdout)["counts"]["error"] >= 1


def test_a_bug_is_one_line_exit_70_and_debuggable(orphan_repo: Path, monkeypatch):
    from validator.commands import explain

    def broken(args):
        raise KeyError("boom")

    monkeypatch.setattr(explain, "run", broken)
    result = run_cli("explain", "OWN001", now=None)
    assert result.code == 70
    assert result.err.startswith("dutyguard: internal error: KeyError") and result.err.count("\n") == 1
    monkeypatch.setenv("DUTYGUARD_DEBUG", "1")
    with pytest.raises(KeyError):
        run_cli("explain", "OWN001", now=None)
