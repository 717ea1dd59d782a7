"""Objects that already exist in PagerDuty (`pagerduty_id`, SPEC §2) are updated, not created."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.conftest import ROOT, run_cli
from tests.test_render_pagerduty import check_against_openapi

NOW = "2026-12-01T00:00:00Z"


def _example_with_ids(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "ownership", tmp_path / "ownership")
    shutil.copytree(ROOT / "policy", tmp_path / "policy")
    edits = {
        "ownership/rotations/payments.yaml": ("id: payments-primary\n",
                                              "id: payments-primary\npagerduty_id: PSCHED1\n"),
        "ownership/services/commerce.yaml": ("id: checkout-api\n", "id: checkout-api\npagerduty_id: PSERV01\n"),
        "ownership/people/berlin.yaml": ("id: alice, ", "id: alice, pagerduty_id: PUSER01, "),
    }
    for rel, (old, new) in edits.items():
        path = tmp_path / rel
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return tmp_path


def test_api_bodies_update_existing_objects_and_reference_them_by_their_pagerduty_id(tmp_path):
    repo = _example_with_ids(tmp_path / "repo")
    out = tmp_path / "pd"
    result = run_cli("render", "pagerduty", "--out", str(out), repo=repo, now=NOW)
    assert result.code == 0, result.err
    order = {(e["collection"], e["id"]): e for e in json.loads((out / "manifest.json").read_text())["order"]}
    assert (order[("schedules", "payments-primary")]["method"], order[("schedules", "payments-primary")]["path"]) \
        == ("PUT", "/schedules/PSCHED1")
    assert order[("services", "checkout-api")]["path"] == "/services/PSERV01"
    assert order[("users", "alice")]["path"] == "/users/PUSER01"
    assert order[("schedules", "payments-secondary")]["method"] == "POST"  # no id: created
    policy = (out / "escalation_policies/payments-critical.json").read_text()
    assert '"id": "PSCHED1"' in policy and '"id": "payments-primary"' not in policy
    schedule = (out / "schedules/payments-primary.json").read_text()
    assert '"id": "PUSER01"' in schedule and '"id": "alice"' not in schedule
    assert check_against_openapi(out) > 0


def test_terraform_adopts_existing_objects_with_import_blocks(tmp_path):
    repo = _example_with_ids(tmp_path / "repo")
    out = tmp_path / "tf"
    result = run_cli("render", "pagerduty", "--out", str(out), "--format", "terraform", repo=repo, now=NOW)
    assert result.code == 0, result.err
    imports = json.loads((out / "imports.tf.json").read_text())["import"]
    assert {"to": "pagerduty_schedule.payments-primary", "id": "PSCHED1"} in imports
    assert {"to": "pagerduty_service.checkout-api", "id": "PSERV01"} in imports
    assert not any(block["id"] == "PUSER01" for block in imports)  # users are looked up by email


def test_without_pagerduty_ids_nothing_changes(tmp_path):
    out = tmp_path / "tf"
    assert run_cli("render", "pagerduty", "--out", str(out), "--format", "terraform", repo=ROOT, now=NOW).code == 0
    assert not (out / "imports.tf.json").exists()
