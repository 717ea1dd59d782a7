"""`--format text`: findings grouped by file, sorted by line, with a summary line."""

from __future__ import annotations

from itertools import groupby
from typing import TYPE_CHECKING, TextIO

from validator.findings import shown

if TYPE_CHECKING:
    from validator.engine import Result


def summary(result: Result) -> str:
    counts = result.counts
    parts = [f"{counts['error']} error(s)", f"{counts['warning']} warning(s)", f"{counts['waived']} waived"]
    if "baseline" in counts:
        parts.append(f"{counts['baseline']} already in the baseline")
    verdict = "FAILED" if result.has_errors else "OK"
    return f"{verdict}: {', '.join(parts)} in {len(result.files)} file(s)"


def report(result: Result, stream: TextIO) -> None:
    """Every line starts with text of ours (a path below ownership/ or policy/, or indentation); user text
    (paths, ids, messages) has its invisible and line-breaking characters shown escaped, so no line can be a
    workflow command or hide what it says."""
    for path, group in groupby(result.findings, key=lambda f: f.path):
        stream.write(f"{shown(path) or '(repository)'}\n")
        for finding in group:
            stream.write(f"  {finding.line}: {finding.severity:<7} {shown(finding.rule)} "
                         f"{shown(finding.entity)}: {shown(finding.message)}\n")
        stream.write("\n")
    stream.write(summary(result) + "\n")
