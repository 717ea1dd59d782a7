"""`--format sarif`: SARIF 2.1.0 for GitHub code scanning.

One `rules` entry per rule id (its title, documentation and, for access rules, a
`security-severity`), one result per finding with a stable `partialFingerprints` entry: the
finding's fingerprint (SPEC §3, SHA-256 of rule, entity and subject), which no message, number, date
relative to `--now`, line or file order changes, so code scanning keeps one alert per problem and a
dismissed alert stays dismissed. Waived findings are `note`s carrying an accepted external
suppression. Every result has a file (GitHub rejects the whole upload otherwise): a finding that
names no file is anchored at policy/settings.yaml. `artifactLocation.uri` is a percent-encoded
relative URI reference (`50%25.yaml`, `a%23b.yaml`), and the JSON is ASCII-only (JSON escapes).
"""

from __future__ import annotations

from collections.abc import Callable
from json.encoder import encode_basestring_ascii as _string  # type: ignore[attr-defined]
from typing import TYPE_CHECKING, TextIO
from urllib.parse import quote

from validator import __version__
from validator.findings import Finding
from validator.report.json_text import dumps
from validator.report.paths import workspace_path

if TYPE_CHECKING:
    from validator.engine import Result

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT = "dutyguardFinding/v2"  # v1 hashed the message, which held dates relative to --now
LEVELS = {"error": "error", "warning": "warning", "waived": "note"}
# GitHub code scanning: >= 9.0 critical, >= 7.0 high, >= 4.0 medium, else low
SECURITY_SEVERITY = {"error": "8.0", "warning": "5.0"}


def fingerprint(finding: Finding) -> str:
    return finding.fingerprint


def artifact_uri(path: str) -> str:
    """A repository path as a relative URI reference: every character but unreserved ones and '/' encoded
    (UTF-8), so that `%`, spaces, non-ASCII letters, `#`, `?` and `:` stay part of the file name."""
    return quote(path, safe="/")


def rule_descriptor(rule_id: str, meta: dict) -> dict:
    doc = meta.get("doc") or meta.get("title") or rule_id
    title = meta.get("title") or rule_id
    summary = doc.strip().splitlines()[0] if doc.strip() else title
    severity = meta.get("severity", "warning")
    properties: dict = {"tags": ["dutyguard", meta.get("topic") or rule_id[:3].lower()]}
    if meta.get("topic") == "access" or rule_id.startswith("ACC"):  # production-access rules
        properties["tags"].append("security")
        properties["security-severity"] = SECURITY_SEVERITY.get(severity, "5.0")
    return {
        "id": rule_id,
        "name": "".join(word.capitalize() for word in title.replace("-", " ").split() if word.isalnum()) or rule_id,
        "shortDescription": {"text": title},
        "fullDescription": {"text": summary},
        "help": {"text": f"{doc}\n\nRun `dutyguard explain {rule_id}` for details.",
                 "markdown": f"**{rule_id}: {title}**\n\n```\n{doc}\n```\n\nRun `dutyguard explain {rule_id}`."},
        "defaultConfiguration": {"level": LEVELS.get(severity, "warning") if severity != "off" else "none"},
        "properties": properties,
    }


def anchor(result: Result) -> str:
    """Where a finding without a file is shown: GitHub rejects a whole upload if one result has no file."""
    files = sorted(result.files)
    return "policy/settings.yaml" if "policy/settings.yaml" in files or not files else files[0]


def result_entry(finding: Finding, index: int, uri: str) -> dict:
    """One result; `uri`: its file as `artifact_uri` writes it."""
    entry: dict = {
        "ruleId": finding.rule,
        "ruleIndex": index,
        "level": LEVELS.get(finding.severity, "warning"),
        "message": {"text": finding.message},
        "partialFingerprints": {FINGERPRINT: fingerprint(finding)},
        "properties": {"entity": finding.entity, "subject": finding.subject, "severity": finding.severity},
    }
    region = {"startLine": max(1, finding.line)}
    if finding.column > 0:
        region["startColumn"] = finding.column
    entry["locations"] = [{
        "physicalLocation": {"artifactLocation": {"uri": uri, "uriBaseId": "%SRCROOT%"},
                             "region": region},
        "logicalLocations": [{"fullyQualifiedName": finding.entity, "kind": "object"}],
    }]
    if finding.severity == "waived":
        entry["suppressions"] = [{"kind": "external", "status": "accepted",
                                  "justification": "waived in the repository's Settings (waivers)"}]
    return entry


def as_dict(result: Result) -> dict:
    document, index, uri = _document(result)
    document["runs"][0]["results"] = [result_entry(f, index[f.rule], uri(f.path)) for f in result.findings]
    return document


def _document(result: Result) -> tuple[dict, dict[str, int], Callable[[str], str]]:
    """The document without its results; each rule's index; a finding's path -> its file's URI."""
    metadata = dict(result.rules)
    for finding in result.findings:  # a finding of a rule the registry does not know still gets an entry
        metadata.setdefault(finding.rule, {"severity": finding.severity, "title": finding.rule, "doc": ""})
    ids = sorted(metadata)
    index = {rule_id: i for i, rule_id in enumerate(ids)}
    uris: dict[str, str] = {}  # a file's path -> its URI: worked out once per file, not once per finding

    def uri(path: str) -> str:
        found = uris.get(path)
        if found is None:
            found = uris[path] = artifact_uri(workspace_path(result, path or anchor(result)))
        return found

    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "dutyguard", "version": __version__, "semanticVersion": __version__,
                                "rules": [rule_descriptor(rule_id, metadata[rule_id]) for rule_id in ids]}},
            "automationDetails": {"id": "dutyguard/validate/"},
            "columnKind": "unicodeCodePoints",
            "results": [],
        }],
    }, index, uri


def report(result: Result, stream: TextIO) -> None:
    """json.dump(as_dict(result), indent=2, ensure_ascii=True): exact values, ASCII-only text. The
    results (one per finding, all of a few shapes) are written straight from the findings, from one
    template per shape with json's C string escaping, the rest of the document as json writes it."""
    document, index, uri = _document(result)
    head = dumps(document)
    at = head.rindex('"results": []')  # the last key of the last run (no JSON string holds an unescaped quote)
    stream.write(head[:at] + '"results": [')
    findings = result.findings
    for start in range(0, len(findings), _CHUNK):
        stream.write(("," if start else "") + _INDENT + ("," + _INDENT).join([
            _result_text(finding, index[finding.rule], uri(finding.path))
            for finding in findings[start:start + _CHUNK]]))
    stream.write((_INDENT[:-2] if findings else "") + "]" + head[at + len('"results": []'):] + "\n")


_CHUNK = 2000  # results written at once
_INDENT = "\n        "  # a result's place: an item of runs[0].results
_TEMPLATES: dict[tuple[bool, bool], str] = {}  # (has a column, waived) -> the text of a result, %s for each value


def _result_text(finding: Finding, index: int, uri: str) -> str:
    """`result_entry(finding, index, uri)` as json.dump writes it at its place, from its shape's template."""
    line, column, severity = max(1, finding.line), finding.column, finding.severity
    rule, message, entity, subject = finding.rule, finding.message, finding.entity, finding.subject
    level = LEVELS.get(severity, "warning")
    if not (_PLAIN.issuperset(map(type, (rule, message, entity, subject, severity, uri, level)))
            and line.__class__ is int and column.__class__ is int and index.__class__ is int):
        # (json's own writing of what the template does not take)
        return dumps(result_entry(finding, index, uri)).replace("\n", _INDENT)
    shape = (column > 0, severity == "waived")
    template = _TEMPLATES.get(shape)
    if template is None:
        template = _TEMPLATES[shape] = _template(result_entry(finding, index, uri), 12 if column > 0 else 11)
    entity = _string(entity)
    if column > 0:
        return template % (_string(rule), int.__repr__(index), _string(level), _string(message),
                           _string(finding.fingerprint), entity, _string(subject), _string(severity), _string(uri),
                           int.__repr__(line), int.__repr__(column), entity)
    return template % (_string(rule), int.__repr__(index), _string(level), _string(message),
                       _string(finding.fingerprint), entity, _string(subject), _string(severity), _string(uri),
                       int.__repr__(line), entity)


_PLAIN = frozenset((str,))  # the classes of text the templates take


def _template(entry: dict, count: int) -> str:
    """The text of results shaped as `entry`: json's text of it with each value that varies as `%s`."""
    import copy

    sample = copy.deepcopy(entry)
    marks = [f"\x00{n}\x00" for n in range(count)]
    location = sample["locations"][0]
    region = location["physicalLocation"]["region"]
    sample["ruleId"], sample["ruleIndex"], sample["level"] = marks[0], marks[1], marks[2]
    sample["message"]["text"], sample["partialFingerprints"][FINGERPRINT] = marks[3], marks[4]
    sample["properties"].update(entity=marks[5], subject=marks[6], severity=marks[7])
    location["physicalLocation"]["artifactLocation"]["uri"] = marks[8]
    for key, mark in zip(region, marks[9:-1], strict=True):
        region[key] = mark
    location["logicalLocations"][0]["fullyQualifiedName"] = marks[-1]
    text = dumps(sample).replace("%", "%%").replace("\n", _INDENT)
    for mark in marks:
        text = text.replace(_string(mark), "%s")
    return text
