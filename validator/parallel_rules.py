"""Running the rules on two cores: a forked helper takes the on-call topics, then helps with the rest.

The rules are pure functions of the Context, so where they run changes nothing but the time. The
on-call rules (`rotation`, `escalation`) share the time engine's memoised schedules and the rest
share the access graph and ownership indexes, so the helper starts with the on-call topics and the
parent with the others, which duplicates almost no work. The others are then shared out as they
go: the parent takes them from the front of their list, the helper (once its own are done) from the
back, so that both end at about the same time whatever the organisation's shape. The claims are two
counters in memory both processes share, under a lock the kernel releases if its holder dies.

The helper sends its findings back pickled through a pipe (it is our own process, forked a moment
ago: nothing untrusted is unpickled). If it fails in any way, the parent runs every rule it has no
findings for itself; an error in a rule then surfaces exactly as in a single-process run.

Only on Linux, with at least two CPUs, for organisations of at least MIN_ENTITIES entities;
`DUTYGUARD_JOBS=1` turns it off.
"""

from __future__ import annotations

import fcntl
import mmap
import os
import pickle  # noqa: S403 - only our own forked child's output is unpickled
import signal
import struct
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from validator.findings import Finding
from validator.jobs import collect, fork_helper, helpers_allowed
from validator.rules.registry import Rule

CHILD_TOPICS = frozenset({"rotation", "escalation"})
# the parent starts with these, the longest rules of a large run that share no index with the
# rules after them (SCH005: every reference, and a closest-id search per missing one; OWN006: the
# dependency graph; OWN005: every reference to a person), so that what is left at the back for the
# helper is many short rules, which share out evenly (longest first, as in any list scheduling)
FIRST_RULES = ("SCH005", "OWN006", "OWN005")
MIN_ENTITIES = 5_000

RunOne = Callable[[Rule], list[Finding]]


class Claims:
    """The parent's rules as a list both processes take from: the parent from the front, the
    helper from the back. The two ends live in an anonymous shared mapping; a POSIX record lock on
    an unnamed file guards them (released by the kernel if a process dies holding it)."""

    _ENDS = struct.Struct("<II")

    def __init__(self, count: int):
        self._ends = mmap.mmap(-1, self._ENDS.size)  # MAP_SHARED | MAP_ANONYMOUS: shared after fork
        self._ENDS.pack_into(self._ends, 0, 0, count)
        self._lock = os.memfd_create("dutyguard-claims", os.MFD_CLOEXEC)

    def take(self, from_front: bool) -> int | None:
        """The index of the next unclaimed rule from that end, or None when none is left."""
        fcntl.lockf(self._lock, fcntl.LOCK_EX)
        try:
            front, back = self._ENDS.unpack_from(self._ends, 0)
            if front >= back:
                return None
            if from_front:
                index, front = front, front + 1
            else:
                index = back = back - 1
            self._ENDS.pack_into(self._ends, 0, front, back)
            return index
        finally:
            fcntl.lockf(self._lock, fcntl.LOCK_UN)

    def each(self, from_front: bool) -> Iterator[int]:
        while (index := self.take(from_front)) is not None:
            yield index

    def close(self) -> None:
        self._ends.close()
        os.close(self._lock)


@dataclass
class Helper:
    pid: int
    read_fd: int
    claims: Claims
    then: bool  # the helper has more work after sending its findings: do not wait for it


def run_rules(rules: Sequence[Rule], run_one: RunOne, entities: int,
              child_then: Callable[[], object] | None = None) -> tuple[list[Finding], bool]:
    """Every rule's findings, in the order of `rules`, computed on one or two cores.

    `child_then`: work the helper may do after it has sent its findings (writing the cache), while
    the parent goes on without waiting for it; the second value says whether the helper took it.
    """
    helper = start(rules, lambda: run_one, entities, child_then)
    return finish(rules, run_one, helper)


def split(rules: Sequence[Rule]) -> tuple[list[Rule], list[Rule]]:
    """(the helper's own rules, the rules both take from: FIRST_RULES first, then in the order of `rules`)."""
    shared = [rule for rule in rules if rule.topic not in CHILD_TOPICS]
    shared.sort(key=lambda rule: FIRST_RULES.index(rule.id) if rule.id in FIRST_RULES else len(FIRST_RULES))
    return [rule for rule in rules if rule.topic in CHILD_TOPICS], shared


def start(rules: Sequence[Rule], prepare: Callable[[], RunOne], entities: int,
          then: Callable[[], object] | None = None) -> Helper | None:
    """Fork the helper, if it pays; `prepare` runs in it first and gives the function that runs one
    rule there."""
    own, shared = split(rules)
    if entities < MIN_ENTITIES or not own or not helpers_allowed():
        return None
    try:
        claims = Claims(len(shared))
    except (OSError, AttributeError):  # no shared memory or no memfd here (an old kernel or libc, a sandbox)
        return None

    def work() -> bytes:
        run_one = prepare()
        found = {rule.id: run_one(rule) for rule in own}
        for index in claims.each(from_front=False):
            found[shared[index].id] = run_one(shared[index])
        return pickle.dumps(found, protocol=pickle.HIGHEST_PROTOCOL)

    forked = _fork(work, then)
    if forked is None:
        claims.close()
        return None
    return Helper(*forked, claims, then is not None)


def finish(rules: Sequence[Rule], run_one: RunOne, helper: Helper | None) -> tuple[list[Finding], bool]:
    """Run the rules the helper does not take, take its findings (or run its rules here if it failed):
    every finding in the order of `rules`, and whether the helper took its extra work."""
    if helper is None:
        return [finding for rule in rules for finding in run_one(rule)], False
    _, shared = split(rules)
    results: dict[str, list[Finding]] = {}
    try:
        for index in helper.claims.each(from_front=True):
            results[shared[index].id] = run_one(shared[index])
    except OSError:  # the lock failed (the helper's fails too, and it gives up): the rest is run below
        pass
    except BaseException:  # a rule failed here: stop the helper (never leave it running), then fail
        _abandon(helper)
        raise
    from_child = _collect(helper.pid, helper.read_fd, wait=not helper.then)
    helper.claims.close()
    results.update(from_child or {})
    for rule in rules:  # what a failed helper did not send
        if rule.id not in results:
            results[rule.id] = run_one(rule)
    return [finding for rule in rules for finding in results[rule.id]], from_child is not None and helper.then


def _abandon(helper: Helper) -> None:
    """Stop the helper and release what it holds: the run is failing anyway."""
    try:
        os.kill(helper.pid, signal.SIGKILL)
        os.waitpid(helper.pid, 0)
    except OSError:
        pass
    os.close(helper.read_fd)
    helper.claims.close()


def _fork(work: Callable[[], bytes], then: Callable[[], object] | None) -> tuple[int, int] | None:
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
