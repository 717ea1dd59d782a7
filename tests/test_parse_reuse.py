"""`diff` parses each unchanged file once: the head reuses the base's parses, keyed by the whole text in
memory, and finds exactly what a fresh load finds."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

from tests.conftest import ROOT
from validator.engine import validate_repo
from validator.findings import Finding

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)


def _copy(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "ownership", tmp_path / "ownership")
    shutil.copytree(ROOT / "policy", tmp_path / "policy")
    return tmp_path


def test_reused_parses_give_the_same_findings_and_only_changed_texts_are_parsed_again(tmp_path):
    repo = _copy(tmp_path)
    parses: dict = {}
    validate_repo(repo, NOW, parses)
    texts = set(parses)
    services = repo / "ownership/services/commerce.yaml"
    services.write_text(services.read_text(encoding="utf-8").replace("owner: payments", "owner: paymnets", 1),
                        encoding="utf-8")
    reused = validate_repo(repo, NOW, parses)
    assert len(set(parses) - texts) == 1  # the one changed file is the only new parse
    fresh = validate_repo(repo, NOW)
    assert reused.findings == fresh.findings
    assert any(f.rule == "SCH005" and f.entity == "service:checkout-api" for f in reused.findings)
    assert all(isinstance(f, Finding) for f in reused.findings)
