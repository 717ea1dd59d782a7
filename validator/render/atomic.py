"""Atomic writes: a render or a prune either happens completely or not at all.

A failure while writing (a full disk, a permission, an interrupt) removes every temporary file and
leaves the old output byte-identical; an operating-system error becomes an `OutputError`, which the
CLI prints as one line with exit status 2. A process killed outright may leave a hidden temporary
file or folder (`.NAME.*.tmp`, `.NAME.*.new`) beside the output, but never a half-written output.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import secrets
import shutil
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

from validator.findings import UsageError


class OutputError(UsageError):
    """The output could not be written; nothing was changed (exit 2)."""


def _failed(path: Path, err: OSError) -> OutputError:
    reason = err.strerror or str(err)
    return OutputError(f"cannot write '{path}': {reason}; the previous output is unchanged")


def write_file_atomic(path: Path, data: bytes) -> None:
    """Write to a temporary file beside `path`, fsync, then rename over it."""
    write_files_atomic({path: data})


def write_files_atomic(changes: Mapping[Path, bytes | None]) -> None:
    """Change several files all or nothing (`None` deletes a file); used by `prune`.

    Every new content is written and fsynced to a temporary file beside its target first (this is
    where a full disk shows); only then are they renamed into place, one by one, each old file kept
    as a hard-linked backup until all renames have succeeded, so a failing rename puts back the
    files already replaced. Deletions come last.
    """
    changes = {_target(path): data for path, data in changes.items()}
    staged: dict[Path, str] = {}
    backups: dict[Path, str] = {}
    done: list[Path] = []
    current = next(iter(changes), Path("."))
    try:
        for current, data in changes.items():
            if data is not None:
                staged[current] = _stage(current, data)
        for current, tmp in staged.items():
            if current.exists():
                backups[current] = _backup(current)
            os.replace(tmp, current)
            done.append(current)
        for current, data in changes.items():
            if data is None and current.exists():
                backups[current] = _backup(current)
                current.unlink()
                done.append(current)
    except BaseException as err:
        for path in reversed(done):
            if path in backups:
                os.replace(backups.pop(path), path)
            else:
                path.unlink(missing_ok=True)
        for leftover in (*staged.values(), *backups.values()):
            if os.path.lexists(leftover):
                os.unlink(leftover)
        if isinstance(err, OSError):
            raise _failed(current, err) from err
        raise
    for backup in backups.values():
        with contextlib.suppress(OSError):
            os.unlink(backup)


_SYSTEM = ("/dev", "/proc", "/sys")


def _target(path: Path) -> Path:
    """The file to replace: a link's target (the link itself stays); never a folder, device, pipe or /proc entry."""
    if path.is_dir():
        raise OutputError(f"cannot write '{path}': it is a directory, not a file")
    real = Path(os.path.realpath(path))
    system = any(str(p) == top or str(p).startswith(top + "/") for p in (path.absolute(), real) for top in _SYSTEM)
    if system or (real.exists() and not real.is_file()):  # /dev/stdout, a FIFO, a device
        raise OutputError(f"cannot write '{path}': it is not a regular file (for standard output, leave out "
                          "--out or pass '-')")
    return real


def _stage(path: Path, data: bytes) -> str:
    """`data` in a fsynced temporary file beside `path`, with the mode `path` has (or would get)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if path.exists():
            shutil.copymode(path, tmp)
        else:
            os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; a new output gets the usual mode
    except BaseException:
        os.unlink(tmp)
        raise
    return tmp


def _backup(path: Path) -> str:
    """A hard link to the current `path` (a copy where links are not possible), to put back on failure."""
    for _ in range(100):
        backup = path.parent / f".{path.name}.{secrets.token_hex(6)}.bak"
        try:
            os.link(path, backup)  # refuses an existing name: no race
            return str(backup)
        except FileExistsError:
            continue
        except OSError:
            break  # this file system has no hard links
    fd, copy = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".bak", dir=path.parent)
    with os.fdopen(fd, "wb") as handle, open(path, "rb") as source:
        shutil.copyfileobj(source, handle)
    return copy


def write_tree_atomic(out_dir: Path, files: Mapping[str, bytes]) -> None:
    """Replace `out_dir` with exactly `files` (relative path -> bytes).

    Everything is written into a sibling temporary directory first; only when all files are
    written is it swapped in (one atomic exchange on Linux, two renames elsewhere) and the old
    directory removed. A failure leaves the old output as it was.
    """
    out_dir = out_dir.absolute()
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputError(f"cannot write '{out_dir}': it is a file, not a directory")
    for rel in files:
        parts = Path(rel).parts
        if Path(rel).is_absolute() or ".." in parts or not parts:
            raise ValueError(f"not a relative path inside the output: {rel!r}")
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", suffix=".new", dir=out_dir.parent))
    except OSError as err:
        raise _failed(out_dir, err) from err
    try:
        os.chmod(staging, 0o777 & ~_umask())  # mkdtemp makes 0700
        for rel in sorted(files):
            target = staging / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(files[rel])
        _swap_in(staging, out_dir)
    except BaseException as err:
        shutil.rmtree(staging, ignore_errors=True)
        if isinstance(err, OSError):
            raise _failed(out_dir, err) from err
        raise


def _swap_in(staging: Path, out_dir: Path) -> None:
    """Put `staging` where `out_dir` is; afterwards `staging` is gone (it held the old output)."""
    if out_dir.is_dir() and _exchange(staging, out_dir):
        shutil.rmtree(staging, ignore_errors=True)  # now the old output
        return
    old = None
    if out_dir.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", suffix=".old", dir=out_dir.parent))
        os.rmdir(old)
        os.replace(out_dir, old)
    try:
        os.replace(staging, out_dir)
    except BaseException:
        if old is not None:
            os.replace(old, out_dir)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap two directories in one step (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    renameat2 = _renameat2()
    if renameat2 is None:
        return False
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EXDEV, errno.ENOTSUP):
        return False  # the file system cannot exchange: fall back to two renames
    raise OSError(code, os.strerror(code), str(b))


def _renameat2():
    try:
        function = ctypes.CDLL(None, use_errno=True).renameat2  # the C library already loaded
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    function.restype = ctypes.c_int
    return function


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
