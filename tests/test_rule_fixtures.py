"""Acceptance tests from fixture folders: tests/fixtures/rules/<RULE>/{fail,pass}/.

Each folder is a small repository (ownership/ and policy/). `fail/expected.yaml` lists the
findings of that rule that must appear (rule, path, line); `pass/` must have no finding of
the rule. Either folder may hold a `fixture.yaml` with `now:` to fix the clock.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.conftest import FIXTURES, NOW, findings_of, run_cli

RULE_DIRS = sorted(p for p in (FIXTURES / "rules").iterdir() if p.is_dir())


def _now(folder: Path) -> str:
    meta = folder / "fixture.yaml"
    if meta.exists():
        return str(yaml.safe_load(meta.read_text()).get("now", NOW))
    return NOW


def _cases(kind: str):
    for rule_dir in RULE_DIRS:
        for folder in sorted(rule_dir.glob(f"{kind}*")):
            yield pytest.param(rule_dir.name, folder, id=f"{rule_dir.name}-{folder.name}")


@pytest.mark.parametrize(("rule", "folder"), list(_cases("fail")))
def test_fail_fixture_reports_rule_at_expected_place(rule: str, folder: Path):
    expected = yaml.safe_load((folder / "expected.yaml").read_text())["findings"]
    result = run_cli("--no-cache", "validate", "--format", "json", repo=folder, now=_now(folder))
    got = [(f["rule"], f["path"], f["line"]) for f in findings_of(result)]
    for item in expected:
        want = (item["rule"], item["path"], item["line"])
        assert want in got, f"{want} not in {got}"
        match = next(f for f in findings_of(result) if (f["rule"], f["path"], f["line"]) == want)
        if "severity" in item:
            assert match["severity"] == item["severity"]
        if "message" in item:
            assert item["message"] in match["message"]
    if any(f["severity"] == "error" for f in findings_of(result)):
        assert result.code == 1


@pytest.mark.parametrize(("rule", "folder"), list(_cases("pass")))
def test_pass_fixture_has_no_finding_of_rule(rule: str, folder: Path):
    result = run_cli("--no-cache", "validate", "--format", "json", repo=folder, now=_now(folder))
    assert result.code in (0, 1), result.err
    offending = [f for f in findings_of(result) if f["rule"] == rule and f["severity"] != "waived"]
    assert offending == []


def test_every_registered_rule_has_fixtures():
    from validator.rules.registry import load_all

    have = {p.name for p in RULE_DIRS}
    missing = sorted(set(load_all()) - have)
    assert missing == [], f"rules without fixture folders: {missing}"
