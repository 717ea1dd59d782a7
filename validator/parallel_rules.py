"""Running the rules on two cores: a forked child takes the on-call topics, the parent the rest.

The rules are pure functions of the Context, so where they run changes nothing but the time. The
on-call rules (`rotation`, `escalation`) share the time engine's memoised schedules and the rest
share the access graph and ownership indexes, so splitting by those topics duplicates almost no
work. The child sends its findings back pickled through a pipe (it is our own process, forked a
moment ago: nothing untrusted is unpickled). If the child fails in any way, the parent runs its
rules itself; an error in a rule then surfaces exactly as in a single-process run.

Only on Linux, with at least two CPUs, for organisations of at least MIN_ENTITIES entities;
`DUTYGUARD_JOBS=1` turns it off.
"""

from __future__ import annotations

import pickle  # noqa: S403 - only our own forked child's output is unpickled
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from validator.findings import Finding
from validator.jobs import collect, fork_helper, helpers_allowed
from validator.rules.registry import Rule

CHILD_TOPICS = frozenset({"rotation", "escalation"})
# what the CHILD_TOPICS read: the helper models only these kinds of the entities not modelled yet
CHILD_KINDS = frozenset({"Person", "Team", "Service", "Rotation", "Escalation", "Absence", "Settings"})
MIN_ENTITIES = 5_000

RunOne = Callable[[Rule], list[Finding]]


@dataclass
class Helper:
    pid: int
    read_fd: int
    rules: list[Rule]
    then: bool  # the helper has more work after sending its findings: do not wait for it


def run_rules(rules: Sequence[Rule], run_one: RunOne, entities: int,
              child_then: Callable[[], object] | None = None) -> tuple[list[Finding], bool]:
    """Every rule's findings, in the order of `rules`, computed on one or two cores.

    `child_then`: work the helper may do after it has sent its findings (writing the cache), while
    the parent goes on without waiting for it; the second value says whether the helper took it.
    """
    helper = start(rules, lambda: run_one, entities, child_then)
    return finish(rules, run_one, helper)


def start(rules: Sequence[Rule], prepare: Callable[[], RunOne], entities: int,
          then: Callable[[], object] | None = None) -> Helper | None:
    """Fork the helper for the CHILD_TOPICS rules, if it pays; `prepare` runs in it first and gives
    the function that runs one rule there (it may finish building the organisation it needs)."""
    child_rules = [rule for rule in rules if rule.topic in CHILD_TOPICS]
    if entities < MIN_ENTITIES or not child_rules or not helpers_allowed():
        return None
    forked = _fork(child_rules, prepare, then)
    return None if forked is None else Helper(*forked, child_rules, then is not None)


def finish(rules: Sequence[Rule], run_one: RunOne, helper: Helper | None) -> tuple[list[Finding], bool]:
    """Run the rules the helper does not, take its findings (or run its rules here if it failed):
    every finding in the order of `rules`, and whether the helper took its extra work."""
    theirs = {rule.id for rule in helper.rules} if helper is not None else set()
    results = {rule.id: run_one(rule) for rule in rules if rule.id not in theirs}
    from_child = _collect(helper.pid, helper.read_fd, wait=not helper.then) if helper is not None else None
    taken = from_child is not None and helper is not None and helper.then
    if helper is not None and from_child is None:
        from_child = {rule.id: run_one(rule) for rule in helper.rules}
    results.update(from_child or {})
    return [finding for rule in rules for finding in results[rule.id]], taken


def _fork(rules: Sequence[Rule], prepare: Callable[[], RunOne],
          then: Callable[[], object] | None) -> tuple[int, int] | None:
    def work() -> bytes:
        run_one = prepare()
        return pickle.dumps({rule.id: run_one(rule) for rule in rules}, protocol=pickle.HIGHEST_PROTOCOL)

    return fork_helper(work, then)


def _collect(pid: int, read_fd: int, wait: bool = True) -> dict[str, list[Finding]] | None:
    """The helper's findings, or None if it failed."""
    blob = collect(pid, read_fd, wait)
    if blob is None:
        return None
    try:
        return pickle.loads(blob)  # noqa: S301 - our own forked child's findings
    except Exception:  # a truncated message: the parent runs the rules itself
        return None
