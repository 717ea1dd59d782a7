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

import os
import pickle  # noqa: S403 - only our own forked child's output is unpickled
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from validator.findings import Finding
from validator.jobs import helpers_allowed
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
    read_fd, write_fd = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(read_fd)
        os.close(write_fd)
        return None
    if pid == 0:  # the child: run, send, and leave without running any of the parent's exit handlers
        code = 1
        try:
            os.close(read_fd)
            run_one = prepare()
            blob = pickle.dumps({rule.id: run_one(rule) for rule in rules}, protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(write_fd, "wb") as pipe:
                pipe.write(blob)
            code = 0
            if then is not None:
                _detach()
                then()
        except BaseException:  # noqa: S110 - the parent redoes the work and reports any error itself
            pass
        finally:
            os._exit(code)
    os.close(write_fd)
    return pid, read_fd


def _detach() -> None:
    """Let whoever reads the program's output see its end when the parent ends, not when we do."""
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)


def _collect(pid: int, read_fd: int, wait: bool = True) -> dict[str, list[Finding]] | None:
    """The child's findings; `wait=False`: do not wait for it to end (it has more work), the
    complete blob (the pipe closes only after it) is then what proves it succeeded."""
    chunks = []
    try:
        with os.fdopen(read_fd, "rb") as pipe:
            while chunk := pipe.read(1 << 20):
                chunks.append(chunk)
    except OSError:
        chunks = []
    try:
        _, status = os.waitpid(pid, 0 if wait else os.WNOHANG)
    except ChildProcessError:
        status = 1 if wait else 0
    if status != 0 or not chunks:
        return None
    try:
        return pickle.loads(b"".join(chunks))  # noqa: S301 - our own child's findings
    except Exception:  # noqa: BLE001 - a truncated blob: the parent runs the rules itself
        return None
