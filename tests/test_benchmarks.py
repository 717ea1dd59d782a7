"""The benchmark generator writes a valid, deterministic organisation; both load paths agree on it."""

from __future__ import annotations

import importlib.util
from collections import Counter
from pathlib import Path

import validator.load as load
from tests.conftest import run_cli
from validator.load import load_repo

ROOT = Path(__file__).resolve().parent.parent


def _generator():
    spec = importlib.util.spec_from_file_location("bench_generate", ROOT / "benchmarks" / "generate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generator_is_deterministic_and_mostly_clean(tmp_path: Path):
    generate = _generator()
    files = generate.generate(0.02, seed=7)
    assert files == generate.generate(0.02, seed=7)
    assert files != generate.generate(0.02, seed=8)
    generate.write(files, tmp_path)
    result = run_cli("validate", "--format", "json", repo=tmp_path)
    assert result.code in (0, 1), result.err
    data = result.json()
    entities = Counter(f["entity"].split(":")[0] for f in data["findings"])
    assert "file" not in entities  # no YAML or schema problem at file level
    assert sum(data["counts"].values()) < len(files)  # a sprinkling, not a flood
    kinds = Counter(text.count("kind: ") for text in files.values())
    assert sum(n * k for n, k in kinds.items()) > 700  # 400 people, 40 teams, 200 services, ...


def test_both_load_paths_agree_on_a_generated_organisation(tmp_path: Path, monkeypatch):
    generate = _generator()
    generate.write(generate.generate(0.02, seed=3), tmp_path)
    fast = load_repo(tmp_path)
    monkeypatch.setattr(load, "parse_fast", lambda text, budget: None)
    reference = load_repo(tmp_path)
    assert fast.findings == reference.findings and fast.nodes == reference.nodes
    assert [e.data for e in fast.entities] == [e.data for e in reference.entities]
    assert [e.source.positions.complete() for e in fast.entities] == [e.source.positions for e in reference.entities]
