"""A helper process that loads most of a large repository while we load the rest and model it.

On a machine with two or more cores, a large load is split in two as soon as the folders are
listed: a forked child takes the last CHILD_SHARE of the files (by the sizes listed): it reads
them, parses those the cache does not have with the fast path and decodes the cache's entries for
the others, and sends back each file's bytes and what the cache would hold for it (node count,
values, top-level positions) in FRAMES frames, each marshalled (our own child's data, read back by
C code) and sent as soon as it is ready, by a thread, so that the child never waits for us. The
parent reads and loads the first files itself; `load_repo`'s `meanwhile` then models what is
loaded each time it is about to wait for the next frame, and the child's files are taken as cache
hits, in order, without reading or hashing them again. A file the child could not read or parse
cleanly is simply not sent: the parent reads it and parses it with the reference parser, as
always. If the child fails in any way, the files its frames did not cover are loaded by the parent;
the helper only ever changes how fast a run is, never what it reports.

Only on Linux (fork is cheap and safe there), only with at least two CPUs, only when the files
add up to at least `MIN_BYTES`. `DUTYGUARD_JOBS=1` turns it off.
"""

from __future__ import annotations

import marshal
import os
import struct
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

from validator.cache import ParseCache, key_of
from validator.jobs import fork_helper, helpers_allowed
from validator.load.fastpath import parse_fast
from validator.load.files import SourceFile, decode, read_listed

MIN_BYTES = 2 * 1024 * 1024
# the helper's share of the bytes to read and parse: most of them, because the parent also imports
# the model and the rules, and models every entity (its own, then the helper's, frame by frame as
# they arrive); measured at scale 1 (0.65: 1.52 s, 0.8: 1.39 s, 0.85: 1.37 s, 0.9: 1.37 s; since the
# helper reads its own files, 0.7 to 0.85 end the load within noise of each other, at about 0.75 s)
CHILD_SHARE = 0.85


FRAMES = 16  # the helper sends its share in this many parts, each as soon as it is parsed
_LENGTH = struct.Struct("<Q")


class Helper:
    """A running child process that parses the files from `start` on and sends them in frames:
    `receive_through(i, cache)` waits until the file at index i has been sent (or the child ended)."""

    def __init__(self, pid: int, read_fd: int, start: int):
        self.pid = pid
        self.start = start  # index of the first file the child parses
        self.covered = start - 1  # the last file index the frames received so far cover
        self.sent: dict[int, tuple[str, bytes]] = {}  # file index -> (cache key, bytes) of the files sent
        self._pipe: BinaryIO | None = os.fdopen(read_fd, "rb")

    @property
    def waiting(self) -> bool:
        """Whether more frames may come."""
        return self._pipe is not None

    def receive_through(self, index: int, cache: ParseCache) -> None:
        while self.covered < index and self._pipe is not None:
            self.receive_one(cache)

    def receive_one(self, cache: ParseCache) -> None:
        """Read one frame (waiting for it) and offer its files to the cache; at the end, or on any
        failure, stop listening: the files not covered are then parsed here."""
        assert self._pipe is not None
        try:
            head = self._pipe.read(_LENGTH.size)
            body = self._pipe.read(_LENGTH.unpack(head)[0]) if len(head) == _LENGTH.size else b""
            last, entries = marshal.loads(body) if body else (None, ())  # noqa: S302 - our own child's data
        except (OSError, ValueError, EOFError, TypeError, struct.error):
            last, entries = None, ()
        if last is None:
            self._close()
            return
        for index, key, data, nodes, values, tops in entries:
            cache.offer(key, (nodes, values, tops))
            self.sent[index] = (key, data)
        self.covered = last

    def _close(self) -> None:
        if self._pipe is not None:
            self._pipe.close()
            self._pipe = None
            try:
                os.waitpid(self.pid, 0)
            except ChildProcessError:
                pass


def start(root: Path, listed: Sequence[SourceFile], cache: ParseCache) -> Helper | None:
    """Fork a helper for the last CHILD_SHARE (by listed size) of the files, if it pays: it reads them,
    parses those the cache misses and decodes those it has."""
    if not helpers_allowed():
        return None
    readable = [(i, s) for i, s in enumerate(listed) if s.error is None and s.size]
    total = sum(s.size for _, s in readable)
    if total < MIN_BYTES:
        return None
    half, running = total * (1 - CHILD_SHARE), 0
    split = len(listed)
    for i, s in readable:
        running += s.size
        if running >= half:
            split = i + 1
            break
    indexed = [(i, s) for i, s in readable if i >= split]
    if not indexed:
        return None
    forked = fork_helper(lambda: _frames(root, indexed, cache))
    return None if forked is None else Helper(*forked, split)


def _frames(root: Path, indexed: Sequence[tuple[int, SourceFile]], cache: ParseCache) -> Iterator[bytes]:
    """The helper's share in FRAMES parts of about equal listed bytes: each a length and the
    marshalled (index of the last file it covers, its files' entries)."""
    total = sum(source.size for _, source in indexed)
    step, done, part = max(1, total // FRAMES), 0, []
    for position, (index, source) in enumerate(indexed):
        part.append((index, source))
        done += source.size
        if done >= step or position == len(indexed) - 1:
            blob = marshal.dumps((index, _parse_all(root, part, cache)))
            yield _LENGTH.pack(len(blob)) + blob
            done, part = 0, []


def _parse_all(root: Path, todo: Sequence[tuple[int, SourceFile]],
               cache: ParseCache) -> list[tuple[int, str, bytes, int, list, list[dict]]]:
    out = []
    for index, listed in todo:
        data = read_listed(root, listed).data
        if data is None:
            continue  # unreadable, too large, ...: the parent reads it and says why
        key = key_of(data)
        hit = cache.get(key)
        if hit is not None:
            out.append((index, key, data, *hit))
            continue
        text, _ = decode(data)
        if text is None:
            continue
        parsed = parse_fast(text)
        if parsed is None:
            continue
        out.append((index, key, data, parsed.nodes, [d.value for d in parsed.documents],
                    [dict(d.positions) for d in parsed.documents]))
    return out
