"""`--format sarif`: valid SARIF 2.1.0 (the official OASIS schema, tests/data), as GitHub code scanning needs."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from tests.conftest import ROOT, run_cli
from tests.test_report_github import noisy_org

SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-2.1.0.json").read_text(encoding="utf-8"))


def sarif(root: Path, *extra: str) -> dict:
    result = run_cli("validate", "--format", "sarif", *extra, repo=root)
    assert result.code in (0, 1), result.err
    return result.json()


def valid(log: dict) -> None:
    jsonschema.Draft4Validator(SCHEMA, format_checker=jsonschema.FormatChecker()).validate(log)


def test_the_schema_is_the_official_one():
    assert SCHEMA["title"] == "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    assert SCHEMA["properties"]["version"]["enum"] == ["2.1.0"]


def test_example_organisation_is_valid_sarif():
    log = sarif(ROOT)
    valid(log)
    github_ingestible(log)
    assert log["version"] == "2.1.0"


def github_ingestible(log: dict) -> None:
    """GitHub's own ingestion rules beyond the schema: a file and a line for every result, fingerprints."""
    for result in log["runs"][0]["results"]:
        [location] = result["locations"]
        assert location["physicalLocation"]["artifactLocation"]["uri"]
        assert location["physicalLocation"]["region"]["startLine"] >= 1
        assert result["partialFingerprints"]["dutyguardFinding/v2"]


def test_findings_with_errors_warnings_and_waivers_are_valid_sarif(repo):
    files = noisy_org(3)
    files["policy/settings.yaml"] = """
        kind: Settings
        waivers:
          - {rule: SCH005, entity: "service:broken0", reason: legacy, expires: 2027-01-31, approved_by: erin}
        """
    files["ownership/broken.yaml"] = "x: [1, 2\n"
    log = sarif(repo(files))
    valid(log)
    github_ingestible(log)
    results = log["runs"][0]["results"]
    levels = {(r["ruleId"], r["level"]) for r in results}
    assert ("SCH005", "error") in levels and ("OWN008", "warning") in levels and ("SCH005", "note") in levels
    waived = [r for r in results if r["level"] == "note"]
    assert waived and all(r["suppressions"][0]["kind"] == "external" for r in waived)


def test_one_rule_entry_per_id_with_help_and_security_severity_for_access_rules(repo):
    log = sarif(repo(noisy_org(2)))
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    assert len(ids) == len(set(ids))
    assert {"SCH005", "OWN002", "OWN008"} <= set(ids)
    for rule in rules:
        assert rule["shortDescription"]["text"] and rule["help"]["text"]
        if rule["id"].startswith("ACC"):
            score = float(rule["properties"]["security-severity"])
            assert 0.0 < score <= 10.0
        else:
            assert "security-severity" not in rule["properties"]
    assert any(r["id"].startswith("ACC") for r in rules)
    results = log["runs"][0]["results"]
    for result in results:  # ruleIndex points at the rule's entry
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]


def test_fingerprints_are_stable_when_lines_move(repo, tmp_path):
    root = repo(noisy_org(2))
    before = sarif(root)["runs"][0]["results"]
    services = root / "ownership" / "services.yaml"
    services.write_text("# a comment moves every line\n\n" + services.read_text(encoding="utf-8"), encoding="utf-8")
    after = sarif(root)["runs"][0]["results"]

    def prints(results):
        return sorted(r["partialFingerprints"]["dutyguardFinding/v2"] for r in results)

    assert prints(before) == prints(after)
    assert len(set(prints(before))) == len(before)
    lines_before = {r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in before
                    if r["ruleId"] == "SCH005"}
    lines_after = {r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in after
                   if r["ruleId"] == "SCH005"}
    assert lines_before != lines_after


def test_locations_are_relative_repository_paths(repo, monkeypatch):
    root = repo(noisy_org(1))
    log = sarif(root)
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in log["runs"][0]["results"]}
    assert uris == {"ownership/services.yaml", "ownership/teams.yaml"}
    monkeypatch.setenv("GITHUB_WORKSPACE", str(root.parent))
    log = sarif(root)
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in log["runs"][0]["results"]}
    assert uris == {f"{root.name}/ownership/services.yaml", f"{root.name}/ownership/teams.yaml"}


@pytest.mark.parametrize("message", ["line\nbreak", "<script>", "100%", "quote \" and \\ backslash"])
def test_any_message_text_stays_valid(message):
    import io

    from validator.engine import Result
    from validator.findings import Finding
    from validator.model import Org
    from validator.report.sarif import report

    out = io.StringIO()
    report(Result([Finding("XYZ001", "error", "", 0, "file:x", message)], Org(), None), out)  # type: ignore
    log = json.loads(out.getvalue())
    valid(log)
    [result] = log["runs"][0]["results"]
    assert result["message"]["text"] == message
    # GitHub rejects a whole upload when one result has no file: a finding without one is anchored
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "policy/settings.yaml"


ODD_NAMES = ["50%.yaml", "sp ace.yaml", "ü.yaml", "a#b.yaml", "q?x.yaml", "c:d.yaml"]


def test_artifact_uris_are_percent_encoded_relative_references(repo):
    """`%`, spaces, non-ASCII, `#` and `?` in file names: valid uri-references that name the same file."""
    from urllib.parse import unquote, urlsplit

    import rfc3986_validator

    files = {f"ownership/{name}": f"- {{kind: Service, id: s{i}, owner: missing, tier: 4}}\n"
             for i, name in enumerate(ODD_NAMES)}
    log = sarif(repo(files))
    valid(log)  # the OASIS schema's `format: uri-reference`, checked (rfc3986-validator is installed)
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in log["runs"][0]["results"]}
    assert {unquote(uri) for uri in uris} == {f"ownership/{name}" for name in ODD_NAMES}
    for uri in uris:
        assert rfc3986_validator.validate_rfc3986(uri, rule="URI_reference"), uri
        parts = urlsplit(uri)
        assert not parts.scheme and not parts.query and not parts.fragment, uri  # no `#` fragment, no `?` query
    assert "ownership/50%25.yaml" in uris and "ownership/%C3%BC.yaml" in uris


def test_the_schema_check_does_refuse_a_raw_uri():
    log = {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [{
        "message": {"text": "m"},
        "locations": [{"physicalLocation": {"artifactLocation": {"uri": "ownership/sp ace.yaml"}}}]}]}]}
    with pytest.raises(jsonschema.ValidationError):
        valid(log)


def test_sarif_is_ascii_only_with_exact_values(repo):
    root = repo({"ownership/ü.yaml": "- {kind: Service, id: s, owner: missing, tier: 4}\n"})
    result = run_cli("validate", "--format", "sarif", repo=root)
    assert result.out.isascii()
    uri = result.json()["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "ownership/%C3%BC.yaml"
