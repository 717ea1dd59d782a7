"""init: a new repository that validates clean on the day it is written and afterwards, and renders."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from tests.conftest import run_cli

INIT_DAYS = ["2026-03-28T23:30:00Z", "2026-10-24T12:00:00Z", "2027-02-28T12:00:00Z", "2031-07-01T00:00:00Z"]


def _later(now: str, days: int) -> str:
    return (dt.datetime.fromisoformat(now.replace("Z", "+00:00")) + dt.timedelta(days=days)).isoformat()


def _init(tmp_path: Path, now: str) -> Path:
    root = tmp_path / "repo"
    result = run_cli("init", str(root), now=now)
    assert result.code == 0, result.err
    return root


@pytest.mark.parametrize("now", INIT_DAYS)
def test_validates_without_any_finding_on_the_day_and_after(tmp_path, now):
    root = _init(tmp_path, now)
    for days in (0, 1, 30, 365):
        result = run_cli("validate", "--format", "json", repo=root, now=_later(now, days))
        assert result.json()["findings"] == [], (days, result.json()["findings"])
        assert result.code == 0


def test_one_example_of_each_kind_and_the_files_around_them(tmp_path):
    root = _init(tmp_path, INIT_DAYS[0])
    kinds = set()
    for path in [*root.joinpath("ownership").rglob("*.yaml"), *root.joinpath("policy").rglob("*.yaml")]:
        text = path.read_text(encoding="utf-8")
        assert text.startswith("# yaml-language-server: $schema=../.dutyguard/schema.json\n")
        kinds |= {doc["kind"] for doc in yaml.safe_load_all(text) if doc}
    assert kinds == {"Person", "Team", "Service", "Rotation", "Escalation", "Absence", "Role", "Grant", "Settings"}
    workflow = yaml.safe_load((root / ".github" / "workflows" / "dutyguard.yml").read_text())
    steps = workflow["jobs"]["dutyguard"]["steps"]
    assert any(step.get("uses", "").split("@")[0].endswith("/dutyguard") for step in steps)
    hooks = yaml.safe_load((root / ".pre-commit-config.yaml").read_text())
    assert hooks["repos"][0]["hooks"] == [{"id": "dutyguard"}]
    settings = (root / "policy" / "settings.yaml").read_text()
    for field in ("horizon", "tiers", "business_hours", "night", "max_oncall_share", "max_night_hours_per_week",
                  "min_team_size", "max_grant_days", "break_glass_max_hours", "approvers", "severity", "waivers",
                  "known_actions"):
        assert f"\n{field}:" in settings


def test_the_schema_file_is_dutyguards_schema_and_accepts_every_document(tmp_path):
    root = _init(tmp_path, INIT_DAYS[1])
    schema = json.loads((root / ".dutyguard" / "schema.json").read_text())
    assert schema == json.loads(run_cli("schema").out)

    def as_editor_reads(value):  # YAML 1.2 (the language server) has no timestamps: dates stay strings
        if isinstance(value, dict):
            return {str(k): as_editor_reads(v) for k, v in value.items()}  # JSON keys are strings
        if isinstance(value, list):
            return [as_editor_reads(v) for v in value]
        return value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else value

    for path in sorted([*root.joinpath("ownership").glob("*.yaml"), *root.joinpath("policy").glob("*.yaml")]):
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            jsonschema.validate(as_editor_reads(doc), schema)


def test_dates_follow_the_day_it_runs(tmp_path):
    root = _init(tmp_path, "2031-07-01T00:00:00Z")
    text = "".join(p.read_text() for p in root.rglob("*.yaml"))
    assert "2031-06-23T00:00" in text and "2026" not in text


def test_renders_work_on_it(tmp_path):
    now = INIT_DAYS[2]
    root = _init(tmp_path, now)
    for args in (("pagerduty", "--out", str(tmp_path / "pd")), ("pagerduty", "--format", "terraform", "--out",
                 str(tmp_path / "tf")), ("iam", "--out", str(tmp_path / "iam")),
                 ("codeowners", "--org", "example", "--out", str(tmp_path / "CODEOWNERS")),
                 ("backstage", "--out", str(tmp_path / "bs")), ("incidentio", "--out", str(tmp_path / "io"))):
        result = run_cli("render", *args, repo=root, now=now)
        assert result.code == 0, (args, result.err)
    assert (tmp_path / "CODEOWNERS").read_text().strip().endswith("services/example-api/** @example/example-team")
    assert (tmp_path / "tf" / "overrides" / "example-primary" / "1.json").exists()


def test_refuses_to_overwrite_and_writes_nothing(tmp_path):
    root = tmp_path / "repo"
    root.mkdir()
    (root / "README.md").write_text("mine\n")
    result = run_cli("init", str(root), now=INIT_DAYS[0])
    assert result.code == 2 and len(result.err.strip().splitlines()) == 1
    assert "README.md" in result.err
    assert sorted(p.name for p in root.iterdir()) == ["README.md"]
    assert (root / "README.md").read_text() == "mine\n"
    again = _init(tmp_path / "other", INIT_DAYS[0])
    second = run_cli("init", str(again), now=INIT_DAYS[0])
    assert second.code == 2 and "already exists" in second.err


def test_a_non_empty_folder_without_clashes_is_fine(tmp_path):
    root = tmp_path / "repo"
    root.mkdir()
    (root / "src.txt").write_text("code\n")
    assert run_cli("init", str(root), now=INIT_DAYS[0]).code == 0
    assert (root / "src.txt").read_text() == "code\n"
