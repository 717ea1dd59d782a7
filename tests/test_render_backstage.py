"""render backstage: catalog entities that @backstage/catalog-model's own validators accept, consistently related."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT, run_cli, write_repo
from tests.test_import_pagerduty import ACME

NOW = "2026-11-23T12:00:00Z"
NODE_DIR = Path(__file__).parent / "node"


def _render(tmp_path: Path, repo: Path = ROOT):
    out = tmp_path / "backstage"
    result = run_cli("render", "backstage", "--out", str(out), repo=repo, now=NOW)
    assert result.code == 0, result.err
    return out


def _entities(out: Path) -> list[dict]:
    location = list(yaml.safe_load_all((out / "catalog-info.yaml").read_text(encoding="utf-8")))
    assert [e["kind"] for e in location] == ["Location"]
    entities = list(location)
    for target in location[0]["spec"]["targets"]:
        entities += list(yaml.safe_load_all((out / target).read_text(encoding="utf-8")))
    return entities


def _catalog_model_failures(entities: list[dict]) -> list[dict]:
    node = shutil.which("node")
    if node is None or not (NODE_DIR / "node_modules" / "@backstage" / "catalog-model").is_dir():
        if os.environ.get("CI"):
            pytest.fail("CI must run the Backstage validators: install Node.js and run `make node-deps`")
        pytest.skip("Node.js or tests/node/node_modules missing (run `make node-deps`)")
    done = subprocess.run([node, str(NODE_DIR / "validate-entities.js")], input=json.dumps(entities),
                          capture_output=True, text=True, cwd=NODE_DIR, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_example_org_entities_pass_backstage_catalog_model_validators(tmp_path):
    entities = _entities(_render(tmp_path))
    assert {e["kind"] for e in entities} == {"Location", "Group", "User", "Component"}
    assert _catalog_model_failures(entities) == []


def test_the_validators_do_reject_a_broken_entity():
    """The harness itself: a Group without children and a User with a number annotation fail."""
    broken = [{"apiVersion": "backstage.io/v1alpha1", "kind": "Group", "metadata": {"name": "g"},
               "spec": {"type": "team"}},
              {"apiVersion": "backstage.io/v1alpha1", "kind": "Component", "metadata": {"name": "a-"},
               "spec": {"type": "service", "lifecycle": "production", "owner": "g"}}]
    assert [f["index"] for f in _catalog_model_failures(broken)] == [0, 1]


def test_relations_are_consistent(tmp_path):
    entities = _entities(_render(tmp_path))
    by_kind: dict[str, dict[str, dict]] = {}
    for entity in entities:
        by_kind.setdefault(entity["kind"], {})[entity["metadata"]["name"]] = entity
    groups, users, components = by_kind["Group"], by_kind["User"], by_kind["Component"]
    for name, group in groups.items():
        for child in group["spec"]["children"]:
            assert groups[child]["spec"]["parent"] == name
        if "parent" in group["spec"]:
            assert name in groups[group["spec"]["parent"]]["spec"]["children"]
        for member in group["spec"]["members"]:
            assert name in users[member]["spec"]["memberOf"]
    for component in components.values():
        assert component["spec"]["owner"].removeprefix("group:") in groups
        assert component["spec"]["lifecycle"] in ("production", "experimental", "deprecated")
        for dependency in component["spec"].get("dependsOn", []):
            assert dependency.removeprefix("component:") in components
    assert components["checkout-api"]["spec"]["dependsOn"] == ["component:ledger", "component:identity-api"]
    assert groups["payments"]["spec"]["parent"] == "commerce"


def test_lifecycle_and_inactive_people(tmp_path):
    entities = _entities(_render(tmp_path))
    lifecycles = {e["metadata"]["name"]: e["spec"]["lifecycle"] for e in entities if e["kind"] == "Component"}
    assert "deprecated" in lifecycles.values() and "experimental" in lifecycles.values()
    users = {e["metadata"]["name"] for e in entities if e["kind"] == "User"}
    inactive = {p["id"] for f in (ROOT / "ownership" / "people").glob("*.yaml")
                for doc in yaml.safe_load_all(f.read_text(encoding="utf-8"))
                for p in (doc if isinstance(doc, list) else [doc]) if p.get("active") is False}
    assert inactive and not users & inactive


def test_pagerduty_annotation_after_an_import(tmp_path):
    repo = tmp_path / "repo"
    (repo / "ownership").mkdir(parents=True)
    assert run_cli("import", "pagerduty", *map(str, ACME), "--out", str(repo / "ownership" / "pd"), now=NOW).code == 0
    entities = _entities(_render(tmp_path, repo))
    components = {e["metadata"]["name"]: e for e in entities if e["kind"] == "Component"}
    assert components["checkout-api"]["metadata"]["annotations"]["pagerduty.com/service-id"] == "PSV0001"
    assert components["checkout-api"]["metadata"]["title"] == "Checkout API"
    assert _catalog_model_failures(entities) == []


def test_deterministic_and_refused_while_errors(tmp_path):
    first = _render(tmp_path / "a")
    second = _render(tmp_path / "b")
    for path in sorted(first.iterdir()):
        assert path.read_bytes() == (second / path.name).read_bytes()
    broken = write_repo(tmp_path / "broken", {"ownership/s.yaml": """
        kind: Service
        id: lonely
        owner: nobody
        tier: 4
        """})
    result = run_cli("render", "backstage", "--out", str(tmp_path / "never"), repo=broken, now=NOW)
    assert result.code == 1 and not (tmp_path / "never").exists()


def test_hidden_characters_never_reach_the_yaml(tmp_path):
    repo = write_repo(tmp_path / "repo", {"ownership/org.yaml": """
        - {kind: Person, id: ann, name: "Ann\\u202e\\u200b", email: ann@example.com, timezone: UTC}
        - {kind: Person, id: ben, name: Ben, email: ben@example.com, timezone: UTC}
        - {kind: Team, id: t, name: "T <script>", members: [ann, ben], leads: [ann]}
        """})
    out = _render(tmp_path, repo)
    text = "".join(p.read_text(encoding="utf-8") for p in out.glob("*.yaml"))
    assert "\u202e" not in text and "\u200b" not in text
    users = {e["metadata"]["name"]: e for e in _entities(out) if e["kind"] == "User"}
    assert users["ann"]["spec"]["profile"]["displayName"] == "Ann\u202e\u200b"
