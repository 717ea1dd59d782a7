"""render pagerduty --format terraform: overrides, which the provider cannot create, written beside as API bodies."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import jsonschema
import pytest

from tests.conftest import FIXTURES, ROOT, run_cli
from tests.test_render_pagerduty import FORMATS, _unknown_keys, request_schema

NOW = "2026-11-23T12:00:00Z"


def _render(tmp_path: Path, repo: Path = ROOT, now: str = NOW) -> Path:
    out = tmp_path / "tf"
    result = run_cli("render", "pagerduty", "--format", "terraform", "--out", str(out), repo=repo, now=now)
    assert result.code == 0, result.err
    return out


def test_every_future_override_is_an_api_body_with_its_terraform_addresses(tmp_path):
    out = _render(tmp_path)
    api = tmp_path / "api"
    assert run_cli("render", "pagerduty", "--out", str(api), repo=ROOT, now=NOW).code == 0
    expected = []
    for path in sorted((api / "schedule_overrides").glob("*.json")):
        for override in json.loads(path.read_text())["overrides"]:
            expected.append((path.stem, override["start"], override["end"], override["user"]["id"]))
    manifest = json.loads((out / "overrides" / "manifest.json").read_text())
    got = []
    defined = set(json.loads((out / "schedules.tf.json").read_text())["resource"]["pagerduty_schedule"])
    users = set(json.loads((out / "users.tf.json").read_text())["data"]["pagerduty_user"])
    for entry in manifest["order"]:
        body = json.loads((out / entry["file"]).read_text())
        schema = request_schema(entry["path"], entry["method"])
        assert not list(jsonschema.Draft7Validator(schema, format_checker=FORMATS).iter_errors(body))
        assert not _unknown_keys(body, schema)
        (override,) = body["overrides"]
        got.append((entry["rotation"], override["start"], override["end"], override["user"]["id"]))
        assert entry["schedule_address"].removeprefix("pagerduty_schedule.") in defined
        assert entry["user_address"].removeprefix("data.pagerduty_user.") in users
    assert expected and sorted(got) == sorted(expected)   # the same overrides as the API render, none lost


def test_readme_says_how_to_apply_them(tmp_path):
    readme = (_render(tmp_path) / "README.md").read_text()
    assert "POST https://api.pagerduty.com/schedules/SCHEDULE_ID/overrides" in readme
    assert "terraform state show pagerduty_schedule.<rotation>" in readme
    assert "bash apply-overrides.sh" in readme


def test_past_overrides_are_not_written(tmp_path):
    out = _render(tmp_path, FIXTURES / "render" / "org", now="2027-01-15T00:00:00Z")
    assert json.loads((out / "overrides" / "manifest.json").read_text())["order"] == []
    assert not [p for p in (out / "overrides").rglob("*.json") if p.name != "manifest.json"]


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_the_script_is_valid_bash(tmp_path):
    script = _render(tmp_path, FIXTURES / "render" / "org") / "apply-overrides.sh"
    assert subprocess.run(["bash", "-n", str(script)], capture_output=True, check=False).returncode == 0
