"""Finding and reading the repository's YAML files safely."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOTS = ("ownership", "policy")
SUFFIXES = (".yaml", ".yml")
MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_TOTAL_BYTES = 64 * 1024 * 1024  # about 6x the 20,000-person benchmark organisation
MAX_FILES = 100_000
MAX_FOLDER_DEPTH = 32  # folders below ownership/ or policy/; deeper trees are refused, not recursed into


@dataclass
class SourceFile:
    """A file's repository-relative path and its bytes, or why it could not be read. Listed but not read yet
    (`list_repo_files`): `data` is None and `size` is what the file system reports."""

    path: str
    data: bytes | None
    error: str | None = None
    size: int = 0


def list_repo_files(root: Path | str) -> list[SourceFile]:
    """Every *.yaml/*.yml below ownership/ and policy/, sorted, links checked, not read yet.

    A link is followed only while its target stays inside the repository; a link that leaves it, a loop, or an
    unreadable file becomes a SourceFile with an error (SCH007). The limits on the number of files and on their
    total size (as the file system reports it; a file over MAX_FILE_BYTES is refused on its own and does not
    count) cut the list with an error."""
    root = os.fspath(root)  # joined with thousands of names: a str, not a Path, for speed
    root_real = os.path.realpath(root)
    total = count = 0
    out: list[SourceFile] = []
    for top in ROOTS:
        if not os.path.lexists(os.path.join(root, top)):
            continue
        for rel, error in _walk(root, root_real, top, set()):
            if error is not None:
                out.append(SourceFile(rel, None, error))
                continue
            count += 1
            if count > MAX_FILES:
                out.append(SourceFile(rel, None, f"more than {MAX_FILES} YAML files: split the repository"))
                return out
            try:
                size = os.stat(f"{root}/{rel}" if root else rel).st_size  # (os.path.join is Python code)
            except OSError:
                size = 0  # read_listed reports why
            if size <= MAX_FILE_BYTES:
                total += size
                if total > MAX_TOTAL_BYTES:
                    out.append(SourceFile(rel, None, f"the repository's YAML exceeds {MAX_TOTAL_BYTES // 2**20} MiB "
                                          "in total; the rest is not read"))
                    return out
            out.append(SourceFile(rel, None, size=size))
    return out


def read_listed(root: Path | str, listed: SourceFile) -> SourceFile:
    """A listed file, read (or the listing's error): its size is known, so no fstat."""
    if listed.error is not None or listed.data is not None:
        return listed
    return read_file(f"{root}/{listed.path}" if root else listed.path, listed.path, listed.size)


def _walk(root: str, root_real: str, rel: str, seen: set[str],
          real: str | None = None, is_dir: bool | None = None) -> Iterator[tuple[str, str | None]]:
    """Yield (relative path, error) for YAML files below `rel`, depth first, sorted. `real` and `is_dir` are
    given for a plain (not linked) entry of a listed folder, known without a system call; links and the start
    are resolved and checked."""
    full = os.path.join(root, rel)
    if real is None:
        real = os.path.realpath(full)
        if real != root_real and not real.startswith(root_real + os.sep):
            yield rel, "a link that leaves the repository: replace it with the file itself"
            return
        try:
            mode = os.stat(full).st_mode
        except OSError as err:
            yield rel, f"cannot be read: {err.strerror or err}"
            return
        is_dir, is_file = stat.S_ISDIR(mode), stat.S_ISREG(mode)
    else:
        is_file = not is_dir
    if real in seen:  # (only folders are in `seen`)
        yield rel, "a link loop: remove the link"
        return
    if is_dir:
        if rel.count("/") >= MAX_FOLDER_DEPTH:
            yield rel, f"folders nested deeper than {MAX_FOLDER_DEPTH} levels: flatten the layout"
            return
        seen = seen | {real}
        try:
            with os.scandir(full) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
        except OSError as err:
            yield rel, f"folder cannot be read: {err.strerror or err}"
            return
        for entry in entries:  # a sub-folder, a YAML file or a link to either
            name = entry.name
            if name.startswith("."):
                continue
            child = f"{rel}/{name}"
            try:
                link = entry.is_symlink()
                is_dir = not link and entry.is_dir(follow_symlinks=False)
                plain = not link and (is_dir or entry.is_file(follow_symlinks=False))
            except OSError:
                link = is_dir = plain = False
            if not plain:  # a link, a device, a socket or a fifo: checked the careful way
                if name.endswith(SUFFIXES) or (link and os.path.isdir(entry.path)):
                    yield from _walk(root, root_real, child, seen)
            elif is_dir:
                yield from _walk(root, root_real, child, seen, f"{real}/{name}", True)
            elif name.endswith(SUFFIXES):  # a plain YAML file: what _walk would say, without a generator for it
                yield child, None
        return
    if rel.endswith(SUFFIXES):
        yield rel, None if is_file else "not a regular file: replace it with a plain YAML file"


def read_file(full: Path | str, rel: str, size: int | None = None) -> SourceFile:
    """A file's bytes (at most MAX_FILE_BYTES) in as few system calls as possible: a read sized by fstat, or by
    `size` for a file the listing found regular (a fixed 2 MiB buffer per file cost five times as much). A FIFO
    never blocks the open, and is not read."""
    limit = MAX_FILE_BYTES + 1
    try:
        fd = os.open(full, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
        try:
            if size is None:
                status = os.fstat(fd)
                if not stat.S_ISREG(status.st_mode):
                    return SourceFile(rel, None, "not a regular file: replace it with a plain YAML file")
                size = status.st_size
            data = os.read(fd, min(size + 1, limit))
            # read on only for a file that grew since it was sized (or reports no size): a short read is its end
            while size < len(data) < limit and (more := os.read(fd, limit - len(data))):
                data += more
        finally:
            os.close(fd)
    except OSError as err:
        return SourceFile(rel, None, f"cannot be read: {err.strerror or err}")
    if len(data) > MAX_FILE_BYTES:
        return SourceFile(rel, None, f"larger than {MAX_FILE_BYTES // 2**20} MiB: split it into smaller files")
    return SourceFile(rel, data)


def decode(data: bytes) -> tuple[str | None, str | None]:
    """UTF-8 (a BOM is accepted), or why not."""
    try:  # (the utf-8-sig codec is Python code around the C decoder: only for a text that starts with a BOM)
        text = data.decode("utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8")
    except UnicodeDecodeError as err:
        return None, f"not UTF-8 (byte {err.start}): save the file as UTF-8"
    return text, None
