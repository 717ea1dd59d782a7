"""render incidentio: a catalog-importer configuration whose every key is one the importer documents."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.conftest import ROOT, run_cli
from tests.test_import_pagerduty import ACME

NOW = "2026-11-23T12:00:00Z"
SPEC = json.loads((Path(__file__).parent / "data" / "incidentio" / "catalog-importer-config.json").read_text())


def _render(tmp_path: Path, repo: Path = ROOT) -> dict:
    out = tmp_path / "incidentio"
    result = run_cli("render", "incidentio", "--out", str(out), repo=repo, now=NOW)
    assert result.code == 0, result.err
    return json.loads((out / "importer.jsonnet").read_text(encoding="ascii"))


def _check(obj: dict, kind: str, where: str) -> list[str]:
    spec = SPEC["objects"][kind]
    problems = [f"{where}: unknown key '{k}'" for k in obj if k not in spec["keys"]]
    problems += [f"{where}: missing '{k}'" for k in spec["required"] if obj.get(k) in (None, "", [])]
    return problems


def _problems(config: dict, complete: bool = False) -> list[str]:
    """`complete`: every attribute's source field is set by at least one entry."""
    problems = _check(config, "config", "config")
    type_names = {o["type_name"] for p in config["pipelines"] for o in p["outputs"]}
    for i, pipeline in enumerate(config["pipelines"]):
        problems += _check(pipeline, "pipeline", f"pipelines.{i}")
        entries = []
        for j, source in enumerate(pipeline["sources"]):
            problems += _check(source, "source", f"pipelines.{i}.sources.{j}")
            problems += _check(source["inline"], "inline", f"pipelines.{i}.sources.{j}.inline")
            entries += source["inline"]["entries"]
        for j, output in enumerate(pipeline["outputs"]):
            where = f"pipelines.{i}.outputs.{j}"
            problems += _check(output, "output", where)
            problems += _check(output["source"], "output_source", f"{where}.source")
            if not re.match(SPEC["type_name_pattern"], output["type_name"]):
                problems.append(f"{where}: type_name {output['type_name']}")
            problems += [f"{where}: category {c}" for c in output["categories"] if c not in SPEC["categories"]]
            for k, attribute in enumerate(output["attributes"]):
                problems += _check(attribute, "attribute", f"{where}.attributes.{k}")
                kind = attribute["type"]
                if kind not in SPEC["primitive_types"] and kind not in type_names:
                    problems.append(f"{where}.attributes.{k}: type {kind} is neither primitive nor synced here")
                field = attribute["source"].removeprefix("$.")
                assert re.fullmatch(r"[a-z_]+", field)
                if complete and not any(field in entry for entry in entries):
                    problems.append(f"{where}.attributes.{k}: no entry has '{field}'")
    return problems


def test_every_key_is_documented_by_catalog_importer(tmp_path):
    config = _render(tmp_path)
    assert _problems(config) == []
    assert config["sync_id"] == "dutyguard"


def test_the_check_itself_catches_an_unknown_key():
    config = {"sync_id": "x", "pipelines": [{"sources": [{"inline": {"entries": []}}], "outputs": [
        {"name": "T", "description": "d", "type_name": "Team", "source": {"name": "$.name", "external_id": "$.id"},
         "attributes": [], "categories": ["team"], "colour": "red"}]}]}
    assert _problems(config) == ["pipelines.0.outputs.0: unknown key 'colour'", "pipelines.0.outputs.0: type_name Team"]


def test_entries_reference_each_other_by_external_id(tmp_path):
    config = _render(tmp_path)
    entries = {p["outputs"][0]["type_name"]: {e["external_id"]: e for s in p["sources"] for e in s["inline"]["entries"]}
               for p in config["pipelines"]}
    teams = entries['Custom["DutyguardTeam"]']
    escalations = entries['Custom["DutyguardEscalation"]']
    services = entries['Custom["DutyguardService"]']
    checkout = services["checkout-api"]
    assert checkout["tier"] == 1 and checkout["owner"] == "payments"
    assert checkout["escalation"] in escalations
    assert checkout["escalation_policy_name"] == escalations[checkout["escalation"]]["name"]
    for service in services.values():
        assert service["owner"] in teams
        assert all(d in services for d in service["depends_on"])
    for team in teams.values():
        assert team.get("parent") is None or team["parent"] in teams


def test_pagerduty_ids_after_an_import(tmp_path):
    repo = tmp_path / "repo"
    (repo / "ownership").mkdir(parents=True)
    assert run_cli("import", "pagerduty", *map(str, ACME), "--out", str(repo / "ownership" / "pd"), now=NOW).code == 0
    config = _render(tmp_path, repo)
    assert _problems(config, complete=True) == []
    services = {e["external_id"]: e for e in config["pipelines"][2]["sources"][0]["inline"]["entries"]}
    assert services["checkout-api"]["pagerduty_service_id"] == "PSV0001"
    assert services["checkout-api"]["escalation_policy_pagerduty_id"] == "PE00001"
    assert services["checkout-api"]["escalation_policy_name"] == "Payments Critical"
    assert "PSV0001" in services["checkout-api"]["aliases"]


def test_deterministic_and_ascii(tmp_path):
    one = (tmp_path / "a")
    two = (tmp_path / "b")
    _render(one)
    _render(two)
    for name in ("importer.jsonnet", "README.md"):
        data = (one / "incidentio" / name).read_bytes()
        assert data == (two / "incidentio" / name).read_bytes()
        data.decode("ascii")
