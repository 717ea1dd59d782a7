"""`--format json`: the shape in SPEC.md section 4.

The text is `json.dump(as_dict(result), indent=2, ensure_ascii=True)` (invisible characters as
\\uXXXX). Each finding, a mapping of eight strings and one int, is written from one template with
json's C string escaping: a few string joins per finding instead of a walk over a dictionary built
for it (a third of the time `--format json` takes on an organisation with thousands of findings);
`tests/test_report_json.py` checks the bytes against json.dumps.
"""

from __future__ import annotations

from json.encoder import encode_basestring_ascii as _string  # type: ignore[attr-defined]
from typing import TYPE_CHECKING, TextIO

from validator.report.json_text import dump, dumps

if TYPE_CHECKING:
    from validator.engine import Result
    from validator.findings import Finding

_CHUNK = 2000  # findings written at once
# one finding at its place in the report (an item of "findings", two levels in), as json.dump indents it
_FINDING = ('{\n      "rule": %s,\n      "severity": %s,\n      "path": %s,\n      "line": %s,\n      "entity": %s,'
            '\n      "subject": %s,\n      "fingerprint": %s,\n      "message": %s\n    }')


def as_dict(result: Result) -> dict:
    return {"findings": [f.as_json() for f in result.findings], "counts": result.counts}


def report(result: Result, stream: TextIO) -> None:
    findings = result.findings
    if not findings or not all(map(_plain, findings)):
        dump(as_dict(result), stream)  # as json.dump(indent=2, ensure_ascii=True)
        stream.write("\n")
        return
    stream.write('{\n  "findings": [\n    ')
    for start in range(0, len(findings), _CHUNK):
        if start:
            stream.write(",\n    ")
        stream.write(",\n    ".join([_FINDING % (
            _string(f.rule), _string(f.severity), _string(f.path), int.__repr__(f.line), _string(f.entity),
            _string(f.subject), _string(f.fingerprint), _string(f.message)) for f in findings[start:start + _CHUNK]]))
    stream.write('\n  ],\n  "counts": ' + dumps(result.counts).replace("\n", "\n  ") + "\n}\n")


def _plain(finding: Finding) -> bool:
    """Whether the template writes `finding` as json.dump would: its line an int, its texts strings."""
    return (finding.line.__class__ is int and finding.rule.__class__ is str and finding.severity.__class__ is str
            and finding.path.__class__ is str and finding.entity.__class__ is str
            and finding.subject.__class__ is str and finding.message.__class__ is str)
