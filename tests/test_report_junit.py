"""`--format junit`: one testcase per entity checked, failed by its error findings."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

from tests.conftest import ROOT, run_cli
from tests.test_report_github import noisy_org
from validator.engine import Result
from validator.findings import Finding
from validator.model import Org
from validator.report.junit import build, report


def junit(root) -> ET.Element:
    result = run_cli("validate", "--format", "junit", repo=root)
    assert result.code in (0, 1), result.err
    assert result.out.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    return ET.fromstring(result.out)


def cases(tree: ET.Element) -> dict[str, ET.Element]:
    return {case.get("name"): case for case in tree.iter("testcase")}


def test_one_testcase_per_entity_and_errors_fail_it(repo):
    tree = junit(repo(noisy_org(2)))
    by_name = cases(tree)
    expected = {"service:s0", "service:s1", "service:broken0", "service:broken1", "team:t0", "team:t1",
                "person:p0", "person:p1", "person:erin"}
    assert set(by_name) == expected
    failure = by_name["service:broken0"].find("failure")
    assert failure is not None and failure.get("type") == "SCH005" and "missing0" in failure.text
    assert by_name["service:s0"].find("failure") is None
    team = by_name["team:t0"]
    assert team.find("failure") is None and "OWN008" in team.find("system-out").text  # a warning only
    assert tree.get("tests") == "9" and tree.get("failures") == "2"
    suites = {s.get("name"): s for s in tree.iter("testsuite")}
    assert suites["dutyguard.service"].get("failures") == "2" and suites["dutyguard.service"].get("tests") == "4"


def test_a_file_that_does_not_parse_is_a_failed_testcase(repo):
    tree = junit(repo({"ownership/bad.yaml": "x: [1, 2\n"}))
    failure = cases(tree)["file:ownership/bad.yaml"].find("failure")
    assert failure is not None and failure.get("type") == "SCH001"
    assert cases(tree)["file:ownership/bad.yaml"].get("file") == "ownership/bad.yaml"


def test_example_organisation_one_failed_testcase_per_entity_with_errors():
    tree = junit(ROOT)
    findings = run_cli("validate", "--format", "json", repo=ROOT).json()["findings"]
    failing = {f["entity"] for f in findings if f["severity"] == "error"}
    assert int(tree.get("tests")) > 40
    assert {name for name, case in cases(tree).items() if case.find("failure") is not None} == failing
    assert int(tree.get("failures")) == len(failing)


def test_control_characters_and_markup_stay_well_formed_xml():
    out = io.StringIO()
    message = "bad \x1b[31m <tag> & \"quotes\" \x00 end"
    report(Result([Finding("SCH003", "error", "ownership/x.yaml", 3, "person:x", message)], Org(), None), out)  # type: ignore
    tree = ET.fromstring(out.getvalue())
    failure = cases(tree)["person:x"].find("failure")
    assert "<tag> & \"quotes\"" in failure.text and "\x1b" not in failure.text


def elementtree_text(result: Result) -> str:
    """The report as ElementTree writes `build(result)` indented: what `report` wrote before it wrote the text
    itself (seven times slower on the benchmark's organisation)."""
    root = build(result)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def written(result: Result) -> str:
    out = io.StringIO()
    report(result, out)
    return out.getvalue()


def test_the_text_is_elementtrees_for_hostile_entities_paths_and_messages():
    findings = [
        Finding("SCH003", "error", "ownership/a&b <c>.yaml", 3, 'person:x"y', "bad \x1b[31m <tag> & \"q\" \x00\tend"),
        Finding("OWN008", "warning", "ownership/a&b <c>.yaml", 4, 'person:x"y', "line\r\nbreak \u202e \ufffe"),
        Finding("SCH001", "error", "", 0, "file:we\tird\n.yaml", "no path ' apostrophe"),
        Finding("ACC004", "waived", "policy/g.yaml", 1, "grant:g", "only waived > shown"),
        Finding("ESC001", "error", "policy/e.yaml", 2, "k&<\">ind:x", "an odd kind"),
        Finding("ESC003", "error", "policy/e.yaml", 3, "k&<\">ind:x", "a second error"),
    ]
    result = Result(findings, Org(), None)  # type: ignore[arg-type]
    assert written(result) == elementtree_text(result)
    ET.fromstring(written(result))  # well-formed


def test_the_text_is_elementtrees_for_an_organisation_and_for_nothing(tmp_path):
    from datetime import UTC, datetime

    from validator.engine import validate_repo

    result = validate_repo(ROOT, datetime(2026, 11, 23, 12, tzinfo=UTC))
    assert result.findings and written(result) == elementtree_text(result)
    empty = Result([], Org(), None)  # type: ignore[arg-type]
    assert written(empty) == elementtree_text(empty) == (
        '<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="dutyguard validate" tests="0" failures="0" '
        'errors="0" />\n')
