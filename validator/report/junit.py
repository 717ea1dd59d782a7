"""`--format junit`: one testcase per entity checked, failed by its error findings.

The entities are those of the organisation plus any file or entity a finding names (a file that
did not parse has no entity). Test suites group them by kind; warnings and waived findings go to
the testcase's `<system-out>`, so CI test views show them without failing the case.

The text is what ElementTree writes for `build(result)` indented by `ET.indent` (the tests compare
the two), written directly: building and serialising 70,000 elements took about 0.6 s at the
benchmark's scale, the text takes a tenth of that.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET  # noqa: S405 - we only write XML
from typing import TYPE_CHECKING, TextIO

from validator.findings import Finding, shown

if TYPE_CHECKING:
    from validator.engine import Result

_XML_INVALID = dict.fromkeys([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0xFFFE, 0xFFFF], "?")


def _clean(text: str) -> str:
    """User text for the report: invisible and direction-changing characters shown escaped (`\\u202e`); XML 1.0
    cannot carry most control characters, not even escaped. (Printable text, nearly all of it, holds none of
    them: it is returned as it is, without a pass over its characters.)"""
    if text.isprintable():
        return text
    return shown(text).translate(_XML_INVALID)


def _lines(findings: list[Finding]) -> str:
    """The findings' lines for a testcase, cleaned: the line breaks between them shown escaped (`\\n`),
    as `_clean` shows every line break (one line at a time: the text is cleaned character by character
    only where a line holds something not printable)."""
    return "\\n".join([_clean(_line(finding)) for finding in findings])


def _line(finding: Finding) -> str:
    where = f"{finding.path}:{finding.line}" if finding.path else "(repository)"
    return f"{finding.severity} {finding.rule} at {where}: {finding.message}"


# a testcase: (the entity's ref, its file or "", (failure type, message, text) when it has errors, its other
# findings' lines when it has some), each text cleaned
_Case = tuple[str, str, "tuple[str, str, str] | None", "str | None"]


def _suites(result: Result) -> list[tuple[str, list[_Case]]]:
    """The testcases, per kind, in the report's order."""
    by_entity: dict[str, list[Finding]] = {}
    for finding in result.findings:
        found = by_entity.get(finding.entity)
        if found is None:
            by_entity[finding.entity] = [finding]
        else:
            found.append(finding)
    sources = result.org.sources
    suites: dict[str, list[_Case]] = {}
    kind = cases = None
    for ref in sorted(set(sources).union(by_entity)):
        prefix = ref.partition(":")[0]
        if prefix != kind:
            kind = prefix
            cases = suites.get(kind)
            if cases is None:
                cases = suites[kind] = []
        findings = by_entity.get(ref)
        if findings is None:  # (most entities) its file, no finding
            path = sources[ref].path
            cases.append((ref if ref.isprintable() else _clean(ref), path if path.isprintable() else _clean(path),
                          None, None))
            continue
        source = sources.get(ref)
        path = source.path if source else next((f.path for f in findings if f.path), "")
        errors = [f for f in findings if f.severity == "error"]
        failure = out = None
        if errors:
            failure = (",".join(sorted({f.rule for f in errors})), _clean(f"{errors[0].rule}: {errors[0].message}"),
                       _lines(errors))
        others = [f for f in findings if f.severity != "error"]
        if others:
            out = _lines(others)
        cases.append((_clean(ref), _clean(path) if path else "", failure, out))  # type: ignore[union-attr]
    return sorted(suites.items())


def build(result: Result) -> ET.Element:
    """The report as an ElementTree element (not indented)."""
    root = ET.Element("testsuites", name="dutyguard validate")
    tests = failures = 0
    for kind, cases in _suites(result):
        suite = ET.SubElement(root, "testsuite", name=f"dutyguard.{kind}")
        failed = 0
        for name, path, failure, out in cases:
            element = ET.SubElement(suite, "testcase", name=name, classname=f"dutyguard.{kind}")
            if path:
                element.set("file", path)
            if failure is not None:
                failed += 1
                kinds, message, text = failure
                ET.SubElement(element, "failure", type=kinds, message=message).text = text
            if out is not None:
                ET.SubElement(element, "system-out").text = out
        suite.set("tests", str(len(cases)))
        suite.set("failures", str(failed))
        suite.set("errors", "0")
        suite.set("skipped", "0")
        tests += len(cases)
        failures += failed
    root.set("tests", str(tests))
    root.set("failures", str(failures))
    root.set("errors", "0")
    return root


def _attr(text: str) -> str:
    """An attribute's value escaped as ElementTree escapes it (an element's text's escapes, then these)."""
    text = _text(text)
    if '"' in text:
        text = text.replace('"', "&quot;")
    if "\r" in text:
        text = text.replace("\r", "&#13;")
    if "\n" in text:
        text = text.replace("\n", "&#10;")
    if "\t" in text:
        text = text.replace("\t", "&#09;")
    return text


def _text(text: str) -> str:
    """An element's text escaped as ElementTree escapes it."""
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text


def report(result: Result, stream: TextIO) -> None:
    stream.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    suites = _suites(result)
    tests = failures = 0
    parts: list[str] = []
    for kind, cases in suites:
        classname = _attr(f"dutyguard.{kind}")
        lines = []
        failed = 0
        for name, path, failure, out in cases:
            head = f'\n    <testcase name="{_attr(name)}" classname="{classname}"'
            if path:
                head += f' file="{_attr(path)}"'
            if failure is None and out is None:
                lines.append(head + " />")
                continue
            lines.append(head + ">")
            if failure is not None:
                failed += 1
                kinds, message, text = failure
                lines.append(f'\n      <failure type="{_attr(kinds)}" message="{_attr(message)}">{_text(text)}'
                             "</failure>")
            if out is not None:
                lines.append(f"\n      <system-out>{_text(out)}</system-out>")
            lines.append("\n    </testcase>")
        parts.append(f'\n  <testsuite name="{classname}" tests="{len(cases)}" failures="{failed}" errors="0" '
                     f'skipped="0">{"".join(lines)}\n  </testsuite>')
        tests += len(cases)
        failures += failed
    head = f'<testsuites name="dutyguard validate" tests="{tests}" failures="{failures}" errors="0"'
    stream.write(head + (">" + "".join(parts) + "\n</testsuites>" if parts else " />"))
    stream.write("\n")
