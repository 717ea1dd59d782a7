"""ROT008: whoever is on a service's first level must hold a production role for it (SPEC §3)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from tests.conftest import ROOT, findings_of, run_cli

NOW = "2026-12-05T12:00:00Z"


def _example(tmp_path: Path) -> Path:
    root = tmp_path / "example"
    for top in ("ownership", "policy"):
        shutil.copytree(ROOT / top, root / top, ignore=shutil.ignore_patterns(".dutyguard-cache"))
    return root


def test_the_example_night_watch_can_act_and_without_its_grants_cannot(tmp_path: Path) -> None:
    root = _example(tmp_path)
    assert findings_of(run_cli("validate", "--format", "json", repo=root, now=NOW), "ROT008") == []
    grants = root / "policy/grants/grants.yaml"
    text = grants.read_text()
    text = re.sub(r"- kind: Grant\n  id: night-watch-checkout\n(  .*\n)+", "", text)
    grants.write_text(text)
    found = findings_of(run_cli("validate", "--format", "json", repo=root, now=NOW), "ROT008")
    assert {(f["entity"], f["subject"]) for f in found} == {
        ("service:checkout-api", f"person:{p}") for p in ("ruby", "victor", "wendy")}
    assert all(f["severity"] == "warning" and "checkout-support" in f["message"] and "Europe/Berlin" in f["message"]
               for f in found)


def test_a_role_reached_by_assuming_it_counts(repo) -> None:
    fixture = ROOT / "tests/fixtures/rules/ROT008/fail"
    files = {str(p.relative_to(fixture)): p.read_text() for p in fixture.rglob("*.yaml")
             if p.name not in ("expected.yaml", "fixture.yaml")}
    files["policy/bridge.yaml"] = """
        - kind: Role
          id: support-bridge
          environment: production
          account: "111122223333"
          statements:
            - effect: Allow
              actions: [sts:AssumeRole]
              resources: ["arn:aws:iam::111122223333:role/checkout-deploy"]
        - kind: Grant
          id: support-bridge
          role: support-bridge
          to: [team:support]
          reason: Support reaches the deploy role through the bridge
          approved_by: [erin]
    """
    found = findings_of(run_cli("validate", "--format", "json", repo=repo(files), now="2026-11-23T12:00:00Z"),
                        "ROT008")
    assert found == []
