"""The pipeline: load -> model -> rules -> severities and waivers -> sorted findings.

One process, in that order: every extra mechanism (helper processes for the load and the rules, a
parse cache, leaving without freeing) was measured against it and removed for saving too little
(benchmarks/RESULTS.md, docs/performance.md).
"""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING

from validator.findings import Finding, count, one_line
from validator.load import LoadResult, SourceFile, load_repo, load_sources

if TYPE_CHECKING:
    from validator.model import Org
    from validator.rules.context import Context
    from validator.rules.registry import Issue, Rule


@dataclass
class Result:
    """Everything one validation run produced; reporters read this and nothing else."""

    findings: list[Finding]
    org: Org
    context: Context
    files: list[str] = field(default_factory=list)
    baseline: int | None = None
    # rule id -> {"severity", "title", "doc", "topic"} for reporters (SARIF help text), from the registry
    rules: dict[str, dict] = field(default_factory=dict)
    root: Path | None = None  # the repository on disk, when validated from disk

    @property
    def counts(self) -> dict[str, int]:
        counts = count(self.findings)
        if self.baseline is not None:
            counts["baseline"] = self.baseline
        return counts

    @property
    def has_errors(self) -> bool:
        return any(f.severity == "error" for f in self.findings)


def validate_repo(root: Path, now: datetime, parses: dict | None = None) -> Result:
    """Validate the repository on disk; `parses`: see `load_sources`."""
    with _no_gc():
        result = validate_loaded(load_repo(root, parses), now)
    result.root = root
    return result


def validate_sources(sources: list[SourceFile], now: datetime, parses: dict | None = None) -> Result:
    """Validate files already read (a tree from git); `parses`: see `load_sources`."""
    with _no_gc():
        return validate_loaded(load_sources(sources, parses), now)


@contextmanager
def _no_gc() -> Iterator[None]:
    """A run builds millions of acyclic objects; the cyclic collector would rescan them again and
    again. It is switched off for the run and back on after it, with the run's objects frozen
    first, so that its next pass does not scan them all once more. Frozen objects are still freed
    when no longer referenced."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.freeze()
            gc.enable()


def validate_loaded(loaded: LoadResult, now: datetime) -> Result:
    """Validate what was loaded. Consumes `loaded.entities` (the raw values are freed once modelled)."""
    from validator.model import build_org
    from validator.rules.context import Context
    from validator.rules.registry import load_all
    from validator.rules.waivers import apply_waivers

    rules = load_all()
    org, model_findings = build_org(loaded)
    loaded.entities = []  # a seventh of the peak memory of a large run
    context = Context(org, now)
    findings = list(loaded.findings) + model_findings
    for rule in rules.values():
        if rule.check is not None:
            findings.extend(_run(rule, context))
    findings = _apply_severities(findings, org, rules)
    findings = apply_waivers(findings, context)
    findings.sort(key=Finding.sort_key)
    findings = cap_per_entity(findings)
    return Result(findings, org, context, loaded.files, rules=rule_metadata(rules, org))


MAX_PER_ENTITY = 50  # findings of one rule for one entity; the rest become one summary finding
_RULE_AND_ENTITY = attrgetter("rule", "entity")


def cap_per_entity(findings: list[Finding]) -> list[Finding]:
    """At most MAX_PER_ENTITY findings per rule and entity, so that one hostile file cannot flood the output
    (180,000 unknown fields in one entity would otherwise be 180,000 findings). `findings` are sorted."""
    if max(Counter(map(_RULE_AND_ENTITY, findings)).values(), default=0) <= MAX_PER_ENTITY:
        return list(findings)  # (nearly always: counted in C)
    counts: dict[tuple[str, str], int] = {}
    out: list[Finding] = []
    firsts: dict[tuple[str, str], Finding] = {}
    for finding in findings:
        key = (finding.rule, finding.entity)
        counts[key] = counts.get(key, 0) + 1
        if counts[key] <= MAX_PER_ENTITY:
            out.append(finding)
            firsts.setdefault(key, finding)
    over = [(key, total) for key, total in counts.items() if total > MAX_PER_ENTITY]
    if not over:
        return out
    for (rule, entity), total in over:
        first = firsts[(rule, entity)]
        # its own subject: the summary is not the first finding again (its fingerprint would repeat)
        out.append(replace(first, subject="(more)",
                           message=f"... and {total - MAX_PER_ENTITY:,} more {rule} findings for {entity} "
                                   f"(only the first {MAX_PER_ENTITY} are shown): fix those first"))
    out.sort(key=Finding.sort_key)
    return out


def rule_metadata(rules: dict[str, Rule], org: Org) -> dict[str, dict]:
    """What reporters may know about rules: id -> effective severity, title, documentation, topic."""
    overrides = org.settings.severity
    return {rid: {"severity": overrides.get(rid, r.severity), "title": r.title, "doc": r.doc, "topic": r.topic}
            for rid, r in sorted(rules.items())}


def _run(rule: Rule, context: Context) -> list[Finding]:
    out = []
    sources = context.org.sources
    assert rule.check is not None
    partial = context.org.partial
    for issue in rule.check(context):
        if partial and about_a_failed_field(issue, partial):
            continue
        out.append(locate(rule.id, issue.severity or rule.severity, issue, sources))
    return out


def about_a_failed_field(issue: Issue, partial: dict[str, frozenset[str]]) -> bool:
    """Whether a rule's issue is about a field that failed its kind (SCH003): that finding is the one finding
    (SPEC §3, "one mistake, one finding"); `partial` is `Org.partial`."""
    return bool(issue.field) and issue.field[0] in partial.get(issue.entity, ())


def locate(rule_id: str, severity: str, issue: Issue, sources: dict) -> Finding:
    """Turn a rule's Issue into a Finding at the file and line of the entity (and field)."""
    source = sources.get(issue.at or issue.entity)
    if source is None:
        return Finding(rule_id, severity, "", 0, issue.entity, one_line(issue.message), subject=issue.subject)
    line, column = source.position(issue.field)
    return Finding(rule_id, severity, source.path, line, issue.entity, one_line(issue.message), column,
                   issue.subject)


def _apply_severities(findings: list[Finding], org: Org, rules: dict[str, Rule]) -> list[Finding]:
    overrides = org.settings.severity
    if not overrides:
        return findings
    out = []
    for finding in findings:
        level = overrides.get(finding.rule)
        if level == "off":
            continue
        out.append(finding.with_severity(level) if level else finding)
    return out
