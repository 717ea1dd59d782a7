"""Markdown for pull-request comments and job summaries, safe against the text users write.

Every value printed through a template goes through `inline()` (the Jinja `finalize` hook): it can
never @-mention anyone, create a link, an issue reference or HTML, or break a table.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from validator.findings import Finding, shown

MARKER = "<!-- dutyguard-diff -->"
ZWJ = "\u200d"  # a zero-width joiner breaks @mentions, #references and URLs without changing what one reads
MAX_ROWS = 100  # per table in a PR comment
MAX_COMMENT = 60_000  # GitHub refuses comments over 65,536 characters
MAX_SUMMARY_ROWS = 1_000

_PUNCT = re.compile(r"([\\`*_{}\[\]()#+!|~])")
_URLISH = re.compile(r"(://|www\.|gh-(?=\d))", re.IGNORECASE)


def inline(value: Any) -> str:
    """Any value as inert, single-line Markdown text (lists are joined with ', ')."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        if any(isinstance(v, (list, tuple)) for v in value):  # escalation levels: in order
            return " → ".join(f"{i}: {inline(v)}" for i, v in enumerate(value, 1))
        return ", ".join(inline(v) for v in value) if value else "—"
    text = shown(str(value))  # invisible and direction-changing characters shown escaped (\u202e), never raw
    text = _URLISH.sub(lambda m: m.group(1)[0] + ZWJ + m.group(1)[1:], text)  # no autolinks
    text = text.replace("@", "@" + ZWJ)  # no @mentions, no e-mail autolinks
    text = _PUNCT.sub(r"\\\1", text)  # no emphasis, code, links, tables cells breaking
    text = html.escape(text, quote=False)  # no HTML, no entities
    return text.replace("#", "#" + ZWJ) if "#" in text else text


def findings_table(findings: Iterable[Finding], limit: int = MAX_SUMMARY_ROWS,
                   path_of=lambda f: f.path) -> str:
    """A Markdown table of findings (worst first as given), cut at `limit` rows with a note."""
    rows = list(findings)
    lines = ["| Severity | Rule | File | Line | Entity | Message |", "|---|---|---|---:|---|---|"]
    for f in rows[:limit]:
        lines.append(f"| {inline(f.severity)} | {inline(f.rule)} | {inline(path_of(f) or '(repository)')} | "
                     f"{f.line} | {inline(f.entity)} | {inline(f.message)} |")
    if len(rows) > limit:
        lines.append(f"\n… and {len(rows) - limit} more: run `dutyguard validate` for all of them.")
    return "\n".join(lines) + "\n"


# --- the diff comment -------------------------------------------------------------------------------

def _people(n: int) -> str:
    return "1 person" if n == 1 else f"{n} people"


def _verb(n: int, singular: str, plural: str) -> str:
    return singular if n == 1 else plural


def headline(diff: dict) -> str:
    """One sentence a reviewer reads first, e.g. '2 people gain production access, 1 of them
    permissions-management'."""
    added, removed = diff["access"]["added"], diff["access"]["removed"]
    parts = []
    prod = {a["person"] for a in added if "production" in a["risk"]}
    if prod:
        text = f"{_people(len(prod))} {_verb(len(prod), 'gains', 'gain')} production access"
        for flag in ("permissions-management", "privilege-escalation", "break-glass"):
            who = {a["person"] for a in added if "production" in a["risk"] and flag in a["risk"]}
            if who:
                text += f", {len(who)} of them {flag}" if len(prod) > 1 else f", including {flag}"
        parts.append(text)
    other = {a["person"] for a in added} - prod
    if other:
        more = " other" if prod else ""
        parts.append(f"{_people(len(other)).replace(' ', more + ' ', 1)} "
                     f"{_verb(len(other), 'gains', 'gain')} non-production access")
    lost = {r["person"] for r in removed}
    if lost:
        parts.append(f"{_people(len(lost))} {_verb(len(lost), 'loses', 'lose')} access")
    changed = diff["access"].get("changed", [])
    if changed:
        parts.append(f"{len(changed)} access {_verb(len(changed), 'path changes', 'paths change')} "
                     "risk or expiry")
    if not parts:
        parts.append("no change in effective access")
    return "; ".join(parts)


def summary_line(diff: dict) -> str:
    new, fixed = diff["findings"]["new"], diff["findings"]["fixed"]
    errors = sum(1 for f in new if f["severity"] == "error")
    changes = len(diff["ownership"])
    finding_text = f"{len(new)} new finding{'' if len(new) == 1 else 's'}"
    if errors:
        finding_text += f" ({errors} error{'' if errors == 1 else 's'})"
    return (f"Ownership and on-call: {changes} change{'' if changes == 1 else 's'} · "
            f"Findings: {finding_text}, {len(fixed)} fixed")


def _environment():
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    # Markdown, not HTML: instead of autoescape, `finalize` escapes every value for Markdown and HTML alike
    return Environment(
        loader=FileSystemLoader(Path(__file__).parent / "templates"),
        finalize=inline, autoescape=False, undefined=StrictUndefined,  # noqa: S701
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


def _worst_first(findings: list[dict]) -> list[dict]:
    rank = {"error": 0, "warning": 1}
    return sorted(findings, key=lambda f: (rank.get(f["severity"], 2), f["path"], f["line"]))


def render_diff(diff: dict, base: str, head: str, max_rows: int = MAX_ROWS) -> str:
    """The pull-request comment for a diff (the JSON shape), starting with the sticky-comment marker."""
    template = _environment().get_template("diff.md.j2")
    text = template.render(headline=headline(diff), summary=summary_line(diff), base=base,
                           head=head, access=diff["access"], changed=diff["access"].get("changed", []),
                           ownership=diff["ownership"], limit=max_rows,
                           findings={key: _worst_first(rows) for key, rows in diff["findings"].items()})
    if len(text) > MAX_COMMENT:
        if max_rows > 5:
            return render_diff(diff, base, head, max_rows // 4)
        text = text[:MAX_COMMENT] + "\n\n… cut: the change is too large for one comment; run `dutyguard diff`.\n"
    return text
