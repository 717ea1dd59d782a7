"""`--format github`: workflow-command annotations, worst first, and the full table in the job summary.

GitHub shows at most 10 error and 10 warning annotations per step: errors come first, then
warnings, each in file order; what does not fit is still printed as plain log lines and counted in
a final `::notice`. Waived findings are not annotated (a waiver is a decision already reviewed);
they appear in the job summary table (`step_summary`), which the validate command appends to
`$GITHUB_STEP_SUMMARY`: a reporter only writes to its stream.

Inert: user text (paths, ids, messages) has its invisible and line-breaking characters shown
escaped (`findings.shown`) and is then escaped as GitHub's toolkit does, so the only workflow
commands in the output are dutyguard's own annotations.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TextIO

from validator.findings import Finding, shown
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
    return command(level, shown(finding.message), file=shown(path) or None,
                   line=finding.line if path and finding.line else None, title=shown(finding.rule))


def report(result: Result, stream: TextIO) -> None:
    from validator.report.text import summary

    ordered = worst_first([f for f in result.findings if f.severity in ("error", "warning")])
    annotated = {"error": 0, "warning": 0}
    hidden = []
    for finding in ordered:
        path = workspace_path(result, finding.path)
        if annotated[finding.severity] < MAX_PER_LEVEL:
            annotated[finding.severity] += 1
            stream.write(annotation(finding, path) + "\n")
        else:
            hidden.append(finding)
    for finding in hidden:  # still in the log, as plain lines (each starts with the severity: never a command)
        stream.write(f"{finding.severity}: {shown(finding.rule)} {shown(finding.path)}:{finding.line} "
                     f"{shown(finding.entity)}: {shown(finding.message)}\n")
    if hidden:
        stream.write(command("notice", f"{len(hidden)} more finding(s) are not annotated: GitHub shows at most "
                             f"{MAX_PER_LEVEL} errors and {MAX_PER_LEVEL} warnings per step. The job summary "
                             "lists all of them.", title="dutyguard") + "\n")
    stream.write(summary(result) + "\n")


def step_summary(result: Result) -> str:
    from validator.report.markdown import findings_table
    from validator.report.text import summary

    text = f"## dutyguard validate\n\n{summary(result)}\n\n"
    if result.findings:
        text += findings_table(worst_first(result.findings), path_of=lambda f: workspace_path(result, f.path))
    return text + "\n"
