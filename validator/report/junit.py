"""`--format junit`: one testcase per entity checked, failed by its error findings.

The entities are those of the organisation plus any file or entity a finding names (a file that
did not parse has no entity). Test suites group them by kind; warnings and waived findings go to
the testcase's `<system-out>`, so CI test views show them without failing the case.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET  # noqa: S405 - we only write XML
from collections import defaultdict
from typing import TYPE_CHECKING, TextIO

from validator.findings import Finding, shown

if TYPE_CHECKING:
    from validator.engine import Result

_XML_INVALID = dict.fromkeys([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0xFFFE, 0xFFFF], "?")


def _clean(text: str) -> str:
    """User text for the report: invisible and direction-changing characters shown escaped (`\\u202e`); XML 1.0
    cannot carry most control characters, not even escaped."""
    return shown(text).translate(_XML_INVALID)


def _line(finding: Finding) -> str:
    where = f"{finding.path}:{finding.line}" if finding.path else "(repository)"
    return f"{finding.severity} {finding.rule} at {where}: {finding.message}"


def build(result: Result) -> ET.Element:
    by_entity: dict[str, list[Finding]] = defaultdict(list)
    for finding in result.findings:
        by_entity[finding.entity].append(finding)
    entities = sorted(set(result.org.sources) | set(by_entity))
    suites: dict[str, list[str]] = defaultdict(list)
    for ref in entities:
        suites[ref.split(":", 1)[0]].append(ref)

    root = ET.Element("testsuites", name="dutyguard validate")
    totals = {"tests": 0, "failures": 0}
    for kind in sorted(suites):
        suite = ET.SubElement(root, "testsuite", name=f"dutyguard.{kind}")
        failures = 0
        for ref in suites[kind]:
            findings = by_entity.get(ref, [])
            source = result.org.sources.get(ref)
            path = source.path if source else next((f.path for f in findings if f.path), "")
            case = ET.SubElement(suite, "testcase", name=_clean(ref), classname=f"dutyguard.{kind}")
            if path:
                case.set("file", _clean(path))
            errors = [f for f in findings if f.severity == "error"]
            if errors:
                failures += 1
                failure = ET.SubElement(case, "failure", type=",".join(sorted({f.rule for f in errors})),
                                        message=_clean(f"{errors[0].rule}: {errors[0].message}"))
                failure.text = _clean("\n".join(_line(f) for f in errors))
            others = [f for f in findings if f.severity != "error"]
            if others:
                ET.SubElement(case, "system-out").text = _clean("\n".join(_line(f) for f in others))
        suite.set("tests", str(len(suites[kind])))
        suite.set("failures", str(failures))
        suite.set("errors", "0")
        suite.set("skipped", "0")
        totals["tests"] += len(suites[kind])
        totals["failures"] += failures
    root.set("tests", str(totals["tests"]))
    root.set("failures", str(totals["failures"]))
    root.set("errors", "0")
    return root


def report(result: Result, stream: TextIO) -> None:
    tree = ET.ElementTree(build(result))
    ET.indent(tree)
    stream.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    stream.write(ET.tostring(tree.getroot(), encoding="unicode"))
    stream.write("\n")
