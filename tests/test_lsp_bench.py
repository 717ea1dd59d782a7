"""The language server's benchmark runs end to end on a tiny organisation (no timing assertions)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_lsp_bench_reports_its_figures_on_a_tiny_org() -> None:
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "lsp_bench.py"), "--scale", "0.005",
                           "--edits", "1", "--json"], capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    figures = json.loads(proc.stdout)
    kinds = ("Person", "Team", "Service", "Rotation", "Grant")
    assert set(figures["per_kind_median_ms"]) == {f"{k} ({c})" for k in kinds for c in ("descriptive", "rules")}
    assert figures["descriptive_ratio"] is not None and figures["rules_ratio"] is not None
    assert figures["edits"] == 20  # one file per kind and class: the edit and its undo
    assert figures["ratio"] > 0 and figures["bare_parse_s"] > 0
    assert figures["rss_mib_at_end"] > 10
