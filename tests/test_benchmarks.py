"""The benchmark generator writes a valid, deterministic organisation; both parsers agree on it; every
benchmark script runs (on a tiny organisation, no timing asserted), so none can rot unseen."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from tests.conftest import run_cli
from validator.load import fast, load_repo

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


def test_the_dirty_preset_gives_many_findings_of_several_families(tmp_path: Path):
    generate = _generator()
    files = generate.generate(0.05, seed=1, flaw_rate=generate.DIRTY_RATE)
    generate.write(files, tmp_path)
    result = run_cli("validate", "--format", "json", repo=tmp_path)
    found = result.json()["findings"]
    assert len(found) * 3 >= len(files)  # at least one finding per three files
    rules = Counter(f["rule"] for f in found)
    assert {"ESC001", "SCH005", "ACC004", "OWN002"} <= set(rules)
    assert not [f for f in found if f["entity"].startswith("file:")]


def test_both_parsers_agree_on_a_generated_organisation(tmp_path: Path, monkeypatch):
    generate = _generator()
    generate.write(generate.generate(0.02, seed=3, flaw_rate=generate.DIRTY_RATE), tmp_path)
    got = load_repo(tmp_path)
    monkeypatch.setattr(fast, "parse", lambda text, budget: None)
    want = load_repo(tmp_path)
    assert got.findings == want.findings and got.nodes == want.nodes
    assert [e.data for e in got.entities] == [e.data for e in want.entities]
    for a, b in zip(got.entities, want.entities, strict=True):
        for path in b.source.positions:
            if path[:len(b.source.prefix)] == b.source.prefix:
                assert a.source.positions.get(path) == b.source.positions[path]


SCRIPTS = sorted(p.name for p in (ROOT / "benchmarks").glob("*.py"))


def test_every_benchmark_script_is_smoke_tested():
    # lsp_bench.py has its own smoke test (tests/test_lsp_bench.py)
    assert set(SCRIPTS) == {"bare_parse.py", "bench_access.py", "bench_oncall.py", "generate.py", "run.py",
                            "stages.py", "lsp_bench.py"}


@pytest.fixture(scope="module")
def tiny_org(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("tiny")
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "generate.py"), "--scale", "0.01", "--out", str(out)],
                   check=True, capture_output=True)
    return out


@pytest.mark.parametrize("argv", [
    ["bare_parse.py", "{org}"],
    ["stages.py", "{org}"],
    ["bench_access.py", "--roles", "20", "--grants", "50"],
    ["bench_oncall.py", "--rotations", "5", "--days", "2"],
    ["run.py", "--smoke", "{org}"],
])
def test_each_benchmark_script_runs_on_a_tiny_organisation(tiny_org: Path, argv: list[str]):
    args = [a.format(org=tiny_org) for a in argv]
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / args[0]), *args[1:]],
                          capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Traceback" not in proc.stdout + proc.stderr
