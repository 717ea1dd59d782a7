"""ROT and ESC findings carry the subjects SPEC §3 names, unique per rule and entity in a run."""

from __future__ import annotations

import pytest

from tests.conftest import FIXTURES, ROOT, findings_of, run_cli

FOLDERS = sorted(p for p in (FIXTURES / "rules").glob("*/*") if p.is_dir() and p.parent.name[:3] in ("ROT", "ESC"))
PATTERNS = {"ROT001": "rotation:", "ROT004": "person:", "ROT005": "person:", "ROT006": "person:",
            "ROT008": "person:", "ESC002": "person:"}


@pytest.mark.parametrize("folder", [ROOT, *FOLDERS], ids=lambda p: p.name if p != ROOT else "example")
def test_subjects_name_what_is_wrong_and_are_unique(folder) -> None:
    found = [f for f in findings_of(run_cli("--no-cache", "validate", "--format", "json", repo=folder,
                                            now="2026-11-23T12:00:00Z")) if f["rule"][:3] in ("ROT", "ESC")]
    identities = [(f["rule"], f["entity"], f["subject"]) for f in found]
    assert len(identities) == len(set(identities)), identities
    for f in found:
        prefix = PATTERNS.get(f["rule"])
        if prefix:
            assert f["subject"].startswith(prefix), f
        if f["rule"] == "ROT001":
            assert "/layer:" in f["subject"]


def test_esc002_is_one_finding_per_person() -> None:
    found = findings_of(run_cli("--no-cache", "validate", "--format", "json", repo=FIXTURES / "rules/ESC002/fail",
                                now="2026-11-23T12:00:00Z"), "ESC002")
    assert sorted(f["subject"] for f in found) == ["person:alice", "person:bob"]
