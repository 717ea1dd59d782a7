"""A run whose rules run in two worker processes (DUTYGUARD_JOBS=2) gives exactly what one process
gives: the same findings in the same order, the same output."""

from __future__ import annotations

import importlib.util
import multiprocessing
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.conftest import ROOT, run_cli
from validator.engine import validate_repo, validate_sources
from validator.load.files import list_repo_files, read_listed

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)

pytestmark = pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(),
                                reason="two processes need the 'fork' start method")


def _generated(tmp_path: Path) -> Path:
    spec = importlib.util.spec_from_file_location("bench_generate", ROOT / "benchmarks" / "generate.py")
    assert spec and spec.loader
    generate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generate)
    generate.write(generate.generate(0.05, seed=11, flaw_rate=generate.DIRTY_RATE), tmp_path)
    return tmp_path


def _both(monkeypatch, run):
    monkeypatch.setenv("DUTYGUARD_JOBS", "1")
    one = run()
    monkeypatch.setenv("DUTYGUARD_JOBS", "2")
    two = run()
    return one, two


@pytest.mark.parametrize("org", ["example", "generated"])
def test_two_processes_find_the_same_as_one(org, tmp_path, monkeypatch):
    repo = ROOT if org == "example" else _generated(tmp_path)
    one, two = _both(monkeypatch, lambda: validate_repo(repo, NOW))
    assert (one.jobs, two.jobs) == (1, 2)
    if org == "generated":  # hundreds of findings of several rule families, worth comparing
        assert len(one.findings) > 300 and len({f.rule[:3] for f in one.findings}) >= 3
    else:
        assert one.findings  # the example organisation has a waived finding
    assert two.findings == one.findings  # the same findings in the same order
    assert two.files == one.files
    assert two.org.people.keys() == one.org.people.keys()


def test_two_processes_give_the_same_output_and_the_same_from_a_git_tree(tmp_path, monkeypatch):
    repo = _generated(tmp_path)
    one, two = _both(monkeypatch, lambda: run_cli("validate", "--format", "json", repo=repo))
    assert one.code == two.code == 1
    assert two.out == one.out and not two.err
    sources = [read_listed(repo, item) for item in list_repo_files(repo)]
    one, two = _both(monkeypatch, lambda: validate_sources(sources, NOW))
    assert (one.jobs, two.jobs) == (1, 2)
    assert two.findings == one.findings


def test_a_small_repository_runs_in_one_process_by_default(monkeypatch):
    monkeypatch.delenv("DUTYGUARD_JOBS", raising=False)
    assert validate_repo(ROOT, NOW).jobs == 1  # well below MIN_PARALLEL_BYTES: a worker would not pay


def test_a_bad_jobs_value_is_one_line_of_usage(monkeypatch):
    monkeypatch.setenv("DUTYGUARD_JOBS", "lots")
    result = run_cli("validate", repo=ROOT)
    assert result.code == 2
    assert result.err.count("\n") == 1 and "DUTYGUARD_JOBS" in result.err and "1 or 2" in result.err
