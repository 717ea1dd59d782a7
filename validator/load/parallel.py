"""A helper process that loads the last share of a large repository while we load the first.

On a machine with two or more cores, a large load is split in two: a forked child takes the last
CHILD_SHARE of the files (by bytes): it parses those the cache does not have with the fast path
and decodes the cache's entries for the others, and sends back what the cache would hold for each
(node count, values, top-level positions), marshalled: our own child's data, read back by C code in
a few milliseconds. The parent loads the first files itself (and, through `load_repo`'s `meanwhile`,
starts on the next stage), then offers the child's entries to the cache, so the child's files are
read as cache hits, in order. A file the child could not parse cleanly is simply not sent: the
parent parses it with the reference parser, as always. If the child fails in any way the parent
loads everything itself; the helper only ever changes how fast a run is, never what it reports.

Only on Linux (fork is cheap and safe there), only with at least two CPUs, only when the files
add up to at least `MIN_BYTES`. `DUTYGUARD_JOBS=1` turns it off.
"""

from __future__ import annotations

import marshal
from collections.abc import Sequence

from validator.cache import ParseCache, key_of
from validator.jobs import collect, fork_helper, helpers_allowed
from validator.load.fastpath import parse_fast
from validator.load.files import SourceFile, decode

MIN_BYTES = 2 * 1024 * 1024
# the helper's share of the bytes to parse: more than half, because the parent also reads the files,
# forks, imports the model and the rules and models its own share before it takes the helper's
CHILD_SHARE = 0.65


class Helper:
    """A running child process that parses some files; `deliver` waits for it and fills the cache."""

    def __init__(self, pid: int, read_fd: int, start: int):
        self.pid = pid
        self.read_fd = read_fd
        self.start = start  # index of the first file the child parses

    def deliver(self, cache: ParseCache) -> None:
        blob = collect(self.pid, self.read_fd)
        if blob is None:
            return
        try:
            entries = marshal.loads(blob)  # noqa: S302 - our own forked child's data
        except (ValueError, EOFError, TypeError):
            return
        for key, nodes, values, tops in entries:
            cache.offer(key, (nodes, values, tops))


def start(sources: Sequence[SourceFile], cache: ParseCache) -> Helper | None:
    """Fork a helper for the last CHILD_SHARE (by bytes) of the files, if it pays: it parses those the
    cache misses and decodes those it has."""
    if not helpers_allowed():
        return None
    misses = [(i, s) for i, s in enumerate(sources) if s.error is None and s.data]
    total = sum(len(s.data or b"") for _, s in misses)
    if total < MIN_BYTES:
        return None
    half, running = total * (1 - CHILD_SHARE), 0
    split = len(sources)
    for i, s in misses:
        running += len(s.data or b"")
        if running >= half:
            split = i + 1
            break
    todo = [s for i, s in misses if i >= split]
    if not todo:
        return None
    forked = fork_helper(lambda: marshal.dumps(_parse_all(todo, cache)))
    return None if forked is None else Helper(*forked, split)


def _parse_all(todo: Sequence[SourceFile], cache: ParseCache) -> list[tuple[str, int, list, list[dict]]]:
    out = []
    for source in todo:
        data = source.data or b""
        key = key_of(data)
        hit = cache.get(key)
        if hit is not None:
            out.append((key, *hit))
            continue
        text, _ = decode(data)
        if text is None:
            continue
        parsed = parse_fast(text)
        if parsed is None:
            continue
        out.append((key, parsed.nodes, [d.value for d in parsed.documents],
                    [dict(d.positions) for d in parsed.documents]))
    return out
