"""Shared test helpers: run the real CLI in-process, build small repositories on disk."""

from __future__ import annotations

import io
import json
import os
import textwrap
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import settings

from validator.cli import main

# CI runs the same examples every time (a failure is reproducible from the log); locally they vary
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
NOW = "2026-11-23T12:00:00Z"


@dataclass
class CliResult:
    code: int
    out: str
    err: str

    def json(self):
        return json.loads(self.out)


def run_cli(*args: str, repo: Path | str | None = None, now: str | None = NOW) -> CliResult:
    """Run `dutyguard [--repo repo] [--now now] args...` in-process."""
    argv: list[str] = []
    if repo is not None:
        argv += ["--repo", str(repo)]
    if now is not None:
        argv += ["--now", now]
    argv += list(args)
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(argv)
    return CliResult(code, out.getvalue(), err.getvalue())


def write_repo(root: Path, files: dict[str, str]) -> Path:
    """Create a repository from {relative path: YAML text (dedented)}."""
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    (root / "ownership").mkdir(exist_ok=True)
    return root


def findings_of(result: CliResult, rule: str | None = None) -> list[dict]:
    findings = result.json()["findings"]
    return [f for f in findings if rule is None or f["rule"] == rule]


@pytest.fixture
def repo(tmp_path: Path):
    """A factory: repo({path: text}) -> repository root."""

    def make(files: dict[str, str]) -> Path:
        return write_repo(tmp_path / "repo", files)

    return make


def minimal_people(*ids: str, inactive: tuple[str, ...] = ()) -> str:
    lines = []
    for ident in ids:
        active = "false" if ident in inactive else "true"
        lines.append(f"- {{kind: Person, id: {ident}, name: {ident.title()}, email: {ident}@example.com, "
                     f"timezone: Europe/Berlin, active: {active}}}")
    return "\n".join(lines) + "\n"
