"""Golden files: every render of the small fixture organisation, byte for byte.

After an intended change of the output, regenerate the goldens and review the diff:

    DUTYGUARD_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_render_golden.py
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, run_cli

FIXTURE_ORG = FIXTURES / "render" / "org"
GOLDEN = FIXTURES / "render" / "golden"
NOW = "2026-11-23T12:00:00Z"
UPDATE = os.environ.get("DUTYGUARD_UPDATE_GOLDEN") == "1"

RENDERS = {
    "pagerduty-api": ("pagerduty", "--format", "api"),
    "pagerduty-terraform": ("pagerduty", "--format", "terraform"),
    "iam-json": ("iam", "--format", "json"),
    "iam-terraform": ("iam", "--format", "terraform"),
}


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("name", sorted(RENDERS))
def test_directory_render_matches_golden(name: str, tmp_path: Path) -> None:
    target, *options = RENDERS[name]
    out = tmp_path / name
    result = run_cli("render", target, "--out", str(out), *options, repo=FIXTURE_ORG, now=NOW)
    assert result.code == 0, result.err
    golden = GOLDEN / name
    if UPDATE:
        shutil.rmtree(golden, ignore_errors=True)
        shutil.copytree(out, golden)
    rendered, expected = tree(out), tree(golden)
    assert sorted(rendered) == sorted(expected), "files differ from the golden set"
    for rel in expected:
        assert rendered[rel] == expected[rel], f"{name}/{rel} differs from the golden file"


def test_codeowners_matches_golden(tmp_path: Path) -> None:
    out = tmp_path / "CODEOWNERS"
    result = run_cli("render", "codeowners", "--out", str(out), repo=FIXTURE_ORG, now=NOW)
    assert result.code == 0, result.err
    golden = GOLDEN / "CODEOWNERS"
    if UPDATE:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_bytes(out.read_bytes())
    assert out.read_bytes() == golden.read_bytes()


def test_fixture_organisation_is_clean() -> None:
    """The goldens are only meaningful while the fixture renders at all: no validation errors."""
    result = run_cli("validate", "--format", "json", repo=FIXTURE_ORG, now=NOW)
    assert result.code == 0, [f for f in result.json()["findings"] if f["severity"] == "error"]
