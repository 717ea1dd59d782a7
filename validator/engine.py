"""The pipeline: load -> model -> rules -> severities and waivers -> sorted findings.

On a large repository the rules run in two worker processes, through the standard library's
executor (`concurrent.futures.ProcessPoolExecutor` on a "fork" context: a worker inherits the
organisation as this process built it, so only the findings are pickled). Once the model is built,
the two workers take the TOPIC_TASKS (the rules of one or more topics) one after the other as they
come free, and send their findings back; each rule's findings are put back in the registry's
order, so the result is the same as in one process, finding for finding and in the same order.
`DUTYGUARD_JOBS=1` forces one process, `DUTYGUARD_JOBS=2` two whatever the size; unset, two from
MIN_PARALLEL_BYTES of YAML on, given two CPUs. Always one process where "fork" is not available
or when other threads run (a fork copies only the calling thread). The workers stay only while
they save at least 20 % wall time on both benchmark organisations: docs/performance.md; figures:
benchmarks/RESULTS.md.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import threading
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from validator.findings import Finding, UsageError, count, one_line
from validator.load import LoadResult, SourceFile, load_sources
from validator.load.files import list_repo_files, read_listed

if TYPE_CHECKING:
    from validator.model import Org
    from validator.rules.context import Context
    from validator.rules.registry import Issue, Rule

JOBS_VARIABLE = "DUTYGUARD_JOBS"
# Below this much YAML the workers save too little (estimated under 20 % at scale 0.3 of the benchmark
# organisation, 4.3 MB, from CPU seconds per process; scale 1 is 14.6 MB, scale 0.1 1.4 MB).
MIN_PARALLEL_BYTES = 8_000_000
# The rules' tasks, in the order the workers take them: the rules of one or more topics (registry.py's
# `Rule.topic`; a topic not listed joins the last task). Topics whose rules share indexes
# (`ctx.memo`) share a task: rotation and escalation share the on-call views. The costliest first
# (benchmarks/stages.py): access (the IAM catalog and every role's analysis), and schema, whose
# reference checks grow with the number of broken references.
TOPIC_TASKS = (("access",), ("schema",), ("rotation", "escalation"), ("ownership", "waivers"))


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
    jobs: int = 1  # processes the run used (see the module documentation)

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
    listed = list_repo_files(root)
    workers = jobs(sum(item.size for item in listed)) == 2
    with _no_gc():
        loaded = load_sources((read_listed(root, item) for item in listed), parses)  # load_repo, listed once
        result = validate_loaded(loaded, now, workers=workers)
    result.root = root
    return result


def validate_sources(sources: list[SourceFile], now: datetime, parses: dict | None = None) -> Result:
    """Validate files already read (a tree from git); `parses`: see `load_sources`."""
    workers = jobs(sum(len(source.data or b"") for source in sources)) == 2
    with _no_gc():
        return validate_loaded(load_sources(sources, parses), now, workers=workers)


def jobs(total_bytes: int) -> int:
    """How many processes a run over `total_bytes` of YAML uses: DUTYGUARD_JOBS (1 or 2) when set,
    else 2 from MIN_PARALLEL_BYTES on where two CPUs are available; always 1 where a worker cannot
    be forked safely. Never decided by timing anything."""
    value = os.environ.get("DUTYGUARD_JOBS", "").strip()
    if value not in ("", "1", "2"):
        raise UsageError(f"{JOBS_VARIABLE}={value[:20]!r} is not 1 or 2: set 1 for one process, 2 for two, "
                         "or leave it unset to decide by the repository's size")
    if value == "1" or "fork" not in multiprocessing.get_all_start_methods() or threading.active_count() > 1:
        return 1
    return 2 if value == "2" or (total_bytes >= MIN_PARALLEL_BYTES and _cpus() >= 2) else 1


def _cpus() -> int:
    """The CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


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


def validate_loaded(loaded: LoadResult, now: datetime, workers: bool = False) -> Result:
    """Validate what was loaded. Consumes `loaded.entities` (the raw values are freed once modelled).
    `workers`: run the rules in two forked workers (TOPIC_TASKS, see the module documentation)."""
    from validator.model import build_org
    from validator.rules.context import Context
    from validator.rules.registry import load_all
    from validator.rules.waivers import apply_waivers

    rules = load_all()
    org, model_findings = build_org(loaded)
    loaded.entities = []  # a seventh of the peak memory of a large run
    context = Context(org, now)
    findings = list(loaded.findings) + model_findings
    for found in _run_rules(rules, context, workers):
        findings.extend(found)
    findings = _apply_severities(findings, org, rules)
    findings = apply_waivers(findings, context)
    findings.sort(key=Finding.sort_key)
    findings = cap_per_entity(findings)
    return Result(findings, org, context, loaded.files, rules=rule_metadata(rules, org), jobs=2 if workers else 1)


def _run_rules(rules: dict[str, Rule], context: Context, workers: bool) -> list[list[Finding]]:
    """Each rule's findings, in the registry's order, whichever process ran it: with `workers`, two
    forked workers take the TOPIC_TASKS one after the other as they come free (so the work balances
    itself whichever topic is slow on this organisation) while this process waits."""
    checked = [rule for rule in rules.values() if rule.check is not None]
    found: dict[str, list[Finding]] = {}
    if workers:
        tasks: list[list[str]] = [[] for _ in TOPIC_TASKS]
        for rule in checked:
            index = next((i for i, topics in enumerate(TOPIC_TASKS) if rule.topic in topics), len(TOPIC_TASKS) - 1)
            tasks[index].append(rule.id)
        fork = multiprocessing.get_context("fork")  # the context is handed over by the fork, never pickled
        with ProcessPoolExecutor(max_workers=2, mp_context=fork, initializer=_adopt, initargs=(context,)) as pool:
            futures = [pool.submit(_run_in_worker, ids) for ids in tasks if ids]
            for future in futures:
                try:
                    found.update(future.result())
                except BrokenProcessPool:  # a worker died (out of memory?): its rules run here
                    pass
    return [found[rule.id] if rule.id in found else _run(rule, context) for rule in checked]


_CONTEXT: Context | None = None  # in a worker: the context it inherited


def _adopt(context: Context) -> None:
    global _CONTEXT  # noqa: PLW0603 - the worker's own copy
    _CONTEXT = context


def _run_in_worker(rule_ids: list[str]) -> dict[str, list[Finding]]:
    """In the worker: the findings of these rules over the context it inherited."""
    from validator.rules.registry import load_all

    rules, context = load_all(), _CONTEXT
    assert context is not None
    return {rule_id: _run(rules[rule_id], context) for rule_id in rule_ids}


MAX_PER_ENTITY = 50  # findings of one rule for one entity; the rest become one summary finding


def cap_per_entity(findings: list[Finding]) -> list[Finding]:
    """At most MAX_PER_ENTITY findings per rule and entity, so that one hostile file cannot flood the output
    (180,000 unknown fields in one entity would otherwise be 180,000 findings). `findings` are sorted."""
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
