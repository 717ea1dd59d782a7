"""dutyguard keeps no parse cache: nothing is written into the repository, and `--no-cache` (from the
time it had one) is still accepted and changes nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.conftest import ROOT, run_cli

NOW = "2026-11-23T12:00:00Z"


def test_a_run_writes_nothing_into_the_repository_and_no_cache_is_accepted(tmp_path: Path):
    root = tmp_path / "org"
    for top in ("ownership", "policy"):
        shutil.copytree(ROOT / top, root / top)
    before = sorted(p.relative_to(root) for p in root.rglob("*"))
    plain = run_cli("validate", "--format", "json", repo=root, now=NOW)
    flagged = run_cli("--no-cache", "validate", "--format", "json", repo=root, now=NOW)
    assert plain.code in (0, 1), plain.err
    assert (flagged.code, flagged.out, flagged.err) == (plain.code, plain.out, plain.err)
    assert sorted(p.relative_to(root) for p in root.rglob("*")) == before
    assert not (root / ".dutyguard-cache").exists()


def test_a_planted_cache_folder_changes_nothing(tmp_path: Path):
    """The reproduction of issue 14: an edited cache entry once turned an error into OK."""
    root = tmp_path / "org"
    for top in ("ownership", "policy"):
        shutil.copytree(ROOT / top, root / top)
    (root / "policy" / "late.yaml").write_text(
        "kind: Grant\nid: late\nrole: platform-readonly\nto: [\"person:ada\"]\nreason: x\n"
        "approved_by: [grace]\nexpires: 2025-06-30\n")
    first = run_cli("validate", "--format", "json", repo=root, now=NOW)
    (root / ".dutyguard-cache").mkdir()
    (root / ".dutyguard-cache" / "parse-v1-0.1.0.jsonl").write_text(
        "0" * 64 + '\t[1,[{"kind":"Grant","expires":"2027-06-30"}],[[[-1,1,1]]]]\n')
    second = run_cli("validate", "--format", "json", repo=root, now=NOW)
    assert (second.code, second.out) == (first.code, first.out)
