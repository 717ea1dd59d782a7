"""`--format github`: workflow-command annotations, worst first, and the full table in the job summary.

GitHub shows at most 10 error and 10 warning annotations per step: errors come first, then
warnings, each in file order; what does not fit is still printed as plain log lines and counted in
a final `::notice`. Waived findings are not annotated (a waiver is a decision already reviewed);
they appear in the job summary table. With `$GITHUB_STEP_SUMMARY` set, the full table is appended.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, TextIO

from validator.findings import Finding
from validator.report.paths import workspace_path

if TYPE_CHECKING:
    from validator.engine import Result

MAX_PER_LEVEL = 10
_RANK = {"error": 0, "warning": 1, "waived": 2}


def escape_data(text: str) -> str:
    """A workflow command's message, escaped as GitHub's toolkit does."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value (file, title, ...): data escaping plus ':' and ','."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(name: str, message: str, **properties: object) -> str:
    """`::name key=value,...::message` with every part escaped; empty properties are left out."""
    props = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties.items()
                     if value not in (None, ""))
    return f"::{name}{' ' + props if props else ''}::{escape_data(message)}"


def worst_first(findings: list[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (_RANK.get(f.severity, 3), f.path, f.line, f.rule, f.entity))


def annotation(finding: Finding, path: str) -> str:
    level = "error" if finding.severity == "error" else "warning"
    return command(level, finding.message, file=path or None,
                   line=finding.line if path and finding.line else None, title=finding.rule)


def report(result: Result, stream: TextIO) -> None:
    from validator.report.text import summary

    ordered = worst_first([f for f in result.findings if f.severity in ("error", "warning")])
    shown = {"error": 0, "warning": 0}
    hidden = []
    for finding in ordered:
        path = workspace_path(result, finding.path)
        if shown[finding.severity] < MAX_PER_LEVEL:
            shown[finding.severity] += 1
            stream.write(annotation(finding, path) + "\n")
        else:
            hidden.append(finding)
    for finding in hidden:  # still in the log, as plain lines
        stream.write(f"{finding.severity}: {finding.rule} {finding.path}:{finding.line} {finding.entity}: "
                     f"{escape_data(finding.message)}\n")
    if hidden:
        stream.write(command("notice", f"{len(hidden)} more finding(s) are not annotated: GitHub shows at most "
                             f"{MAX_PER_LEVEL} errors and {MAX_PER_LEVEL} warnings per step. The job summary "
                             "lists all of them.", title="dutyguard") + "\n")
    stream.write(summary(result) + "\n")
    write_step_summary(result)


def step_summary(result: Result) -> str:
    from validator.report.markdown import findings_table
    from validator.report.text import summary

    text = f"## dutyguard validate\n\n{summary(result)}\n\n"
    if result.findings:
        text += findings_table(worst_first(result.findings), path_of=lambda f: workspace_path(result, f.path))
    return text + "\n"


def write_step_summary(result: Result) -> None:
    """Append the full table to `$GITHUB_STEP_SUMMARY` when GitHub provides it."""
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if not target:
        return
    try:
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(step_summary(result))
    except OSError as err:
        print(f"dutyguard: warning: cannot append to $GITHUB_STEP_SUMMARY: {err.strerror or err}", file=sys.stderr)
