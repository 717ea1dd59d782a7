"""All renders: refuse while validation has errors, write atomically, same bytes every time, safe --out."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, ROOT, run_cli

FIXTURE_ORG = FIXTURES / "render" / "org"
NOW = "2026-11-23T12:00:00Z"
DIRECTORY_RENDERS = [("pagerduty", "api"), ("pagerduty", "terraform"), ("iam", "json"), ("iam", "terraform")]


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def org(tmp_path: Path) -> Path:
    """A writable copy of the fixture organisation."""
    return Path(shutil.copytree(FIXTURE_ORG, tmp_path / "org"))


def _break(org: Path) -> None:
    """An error: the service's owner team does not exist (SCH005)."""
    path = org / "ownership" / "services.yaml"
    path.write_text(path.read_text().replace("owner: core", "owner: nobody", 1))


@pytest.mark.parametrize(("target", "fmt"), DIRECTORY_RENDERS)
def test_render_twice_gives_identical_bytes(target: str, fmt: str, tmp_path: Path) -> None:
    first, second = tmp_path / "one", tmp_path / "two"
    for out in (first, second):
        result = run_cli("render", target, "--out", str(out), "--format", fmt, repo=FIXTURE_ORG, now=NOW)
        assert result.code == 0, result.err
    assert tree(first) == tree(second)
    assert all(data.endswith(b"\n") for data in tree(first).values())


@pytest.mark.parametrize(("target", "fmt"), DIRECTORY_RENDERS)
def test_refused_render_leaves_previous_output_byte_identical(target: str, fmt: str, org: Path,
                                                              tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run_cli("render", target, "--out", str(out), "--format", fmt, repo=org, now=NOW).code == 0
    before = tree(out)
    _break(org)
    result = run_cli("render", target, "--out", str(out), "--format", fmt, repo=org, now=NOW)
    assert result.code == 1
    assert "SCH005" in result.err and "nothing was written" in result.err
    assert tree(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["org", "out"]      # no staging left behind


def test_refused_render_writes_nothing_new(org: Path, tmp_path: Path) -> None:
    _break(org)
    out = tmp_path / "never"
    assert run_cli("render", "pagerduty", "--out", str(out), repo=org, now=NOW).code == 1
    assert run_cli("render", "codeowners", "--out", str(tmp_path / "CODEOWNERS"), repo=org, now=NOW).code == 1
    assert not out.exists() and not (tmp_path / "CODEOWNERS").exists()


def test_failing_render_keeps_old_output(org: Path, tmp_path: Path) -> None:
    """A repository that validates but cannot be rendered (turn under an hour) keeps the old output."""
    out = tmp_path / "out"
    assert run_cli("render", "pagerduty", "--out", str(out), repo=org, now=NOW).code == 0
    before = tree(out)
    rotations = org / "ownership" / "rotations.yaml"
    rotations.write_text(rotations.read_text().replace("turn: 1d", "turn: 30m"))
    assert run_cli("validate", repo=org, now=NOW).code == 0
    result = run_cli("render", "pagerduty", "--out", str(out), repo=org, now=NOW)
    assert result.code == 1 and "weekend-nights" in result.err
    assert tree(out) == before


def test_codeowners_refused_leaves_old_file(org: Path, tmp_path: Path) -> None:
    out = tmp_path / "CODEOWNERS"
    assert run_cli("render", "codeowners", "--out", str(out), repo=org, now=NOW).code == 0
    before = out.read_bytes()
    _break(org)
    assert run_cli("render", "codeowners", "--out", str(out), repo=org, now=NOW).code == 1
    assert out.read_bytes() == before


def test_a_rerender_replaces_stale_files(tmp_path: Path) -> None:
    """The output is the render, not a merge: the override that has ended by the second render is gone."""
    out = tmp_path / "out"
    assert run_cli("render", "pagerduty", "--out", str(out), repo=FIXTURE_ORG, now=NOW).code == 0
    assert (out / "schedule_overrides" / "core-primary.json").exists()
    result = run_cli("render", "pagerduty", "--out", str(out), repo=FIXTURE_ORG, now="2026-12-28T00:00:00Z")
    assert result.code == 0, result.err
    assert not (out / "schedule_overrides").exists()


@pytest.mark.parametrize("where", ["ownership/build", "policy", "."])
def test_out_inside_the_repository_yaml_or_the_repository_itself_is_refused(where: str, org: Path) -> None:
    result = run_cli("render", "iam", "--out", str(org / where), repo=org, now=NOW)
    assert result.code == 2 and "--out" in result.err
    assert (org / "policy" / "roles.yaml").exists()


def test_out_that_is_a_file_or_a_foreign_directory_is_refused(tmp_path: Path) -> None:
    file = tmp_path / "file"
    file.write_text("keep me\n")
    assert run_cli("render", "pagerduty", "--out", str(file), repo=FIXTURE_ORG, now=NOW).code == 2
    foreign = tmp_path / "home"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me\n")
    result = run_cli("render", "pagerduty", "--out", str(foreign), repo=FIXTURE_ORG, now=NOW)
    assert result.code == 2 and "did not render" in result.err
    assert (foreign / "notes.txt").read_text() == "keep me\n" and file.read_text() == "keep me\n"
    assert run_cli("render", "codeowners", "--out", str(foreign), repo=FIXTURE_ORG, now=NOW).code == 2


def test_out_is_required_for_directory_renders() -> None:
    assert run_cli("render", "pagerduty", repo=FIXTURE_ORG, now=NOW).code == 2
    assert run_cli("render", "iam", "--format", "yaml", "--out", "x", repo=FIXTURE_ORG, now=NOW).code == 2


def test_make_run_renders_the_example_organisation(tmp_path: Path) -> None:
    """The five renders `make run` performs, against the example organisation."""
    build = tmp_path / "build"
    for args in (("pagerduty", "--out", str(build / "pagerduty")),
                 ("pagerduty", "--out", str(build / "pagerduty-terraform"), "--format", "terraform"),
                 ("iam", "--out", str(build / "iam")),
                 ("iam", "--out", str(build / "iam-terraform"), "--format", "terraform"),
                 ("codeowners", "--out", str(build / "CODEOWNERS"))):
        result = run_cli("render", *args, repo=ROOT, now=NOW)
        assert result.code == 0, (args, result.err)
    assert (build / "pagerduty" / "manifest.json").is_file()
    assert (build / "iam" / "roles").is_dir()
    assert "@example-org/payments" in (build / "CODEOWNERS").read_text()
