"""`--format text`: findings grouped by file, sorted by line, with a summary line."""

from __future__ import annotations

from itertools import groupby
from typing import TYPE_CHECKING, TextIO

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
    for path, group in groupby(result.findings, key=lambda f: f.path):
        stream.write(f"{path or '(repository)'}\n")
        for finding in group:
            stream.write(f"  {finding.line}: {finding.severity:<7} {finding.rule} "
                         f"{finding.entity}: {finding.message}\n")
        stream.write("\n")
    stream.write(summary(result) + "\n")
