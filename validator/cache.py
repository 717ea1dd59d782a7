"""The incremental parse cache in `<repo>/.dutyguard-cache/`.

A file's parse result (its documents' values, the positions of its entities, its node count)
is stored under an HMAC-SHA256 of the file's bytes (`key_of`, keyed by a per-user secret kept
outside the repository), so an unchanged file is never parsed twice and
an edited, renamed or deleted file simply misses or goes unused. Only clean files that the fast
path parsed are stored: a file with a loader finding is parsed again on every run, so its
finding and exact position always come from the reference parser.

The cache is one text file per dutyguard version and cache schema, one `key<TAB>json` line per
file: data only (JSON, never pickle), so a corrupt or hostile cache can make a run slower, never
run code. Lines that do not decode are ignored. It is written to a temporary file and renamed,
so concurrent runs never see half a cache, and it is safe to delete at any time.
"""

from __future__ import annotations

import functools
import hmac
import json
import os
import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - not on Windows
    fcntl = None  # type: ignore[assignment]

from validator import __version__, jobs

LOCK = ".lock"
SCHEMA = 1  # bump when what a cache line holds, or how the loader builds values, changes
DIRNAME = ".dutyguard-cache"
_ROOT = -1  # the document root's position, in a cached position row


def key_of(data: bytes) -> str:
    """HMAC-SHA256 of a file's bytes under this user's cache secret.

    The cache lives inside the repository, so a pull request could commit a forged one: keyed by a
    secret kept outside every repository, its entries never match and it is simply ignored.
    """
    return hmac.digest(_secret(), data, "sha256").hex()


@functools.cache
def _secret() -> bytes:
    """32 random bytes in ~/.cache/dutyguard/cache-key (0600), made on first use; per process if that fails."""
    try:
        folder = Path.home() / ".cache" / "dutyguard"
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = folder / "cache-key"
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            data = path.read_bytes()
            if len(data) >= 32:
                return data
            raise OSError("cache key too short") from None
        key = secrets.token_bytes(32)
        with os.fdopen(fd, "wb") as handle:
            handle.write(key)
        return key
    except (OSError, RuntimeError):  # no home, read-only home, ...: a cache for this process only
        return secrets.token_bytes(32)


class ParseCache:
    """Cached parse results keyed by content hash; see the module documentation."""

    def __init__(self, root: Path):
        self.folder = root / DIRNAME
        self.path = self.folder / f"parse-v{SCHEMA}-{__version__}.jsonl"
        self._lines: dict[str, str] = {}  # key -> the JSON payload read from disk
        self._decoded: dict[str, tuple] = {}  # key -> (nodes, values, tops) from a helper process
        self._used: dict[str, str | tuple] = {}  # what this run used: a payload, or a parse to encode
        self._dirty = False
        if os.path.islink(self.folder) or os.path.islink(self.path):
            self.folder = self.path = None  # type: ignore[assignment]  # planted link: never read or write through it
            return
        self._read()

    def _read(self) -> None:
        try:
            with open(self.path, encoding="utf-8") as handle:
                text = handle.read()
        except (OSError, UnicodeDecodeError, ValueError):
            return
        lines = self._lines
        for line in text.splitlines():
            key, tab, payload = line.partition("\t")
            if tab and len(key) == 64:
                lines[key] = payload

    def get(self, key: str) -> tuple[int, list, list[dict]] | None:
        """(node count, document values, top-level positions per document), or None."""
        parsed = self._decoded.pop(key, None)  # from a helper process: handed out once
        entry = self._lines.get(key)
        if parsed is not None:
            if entry is None:
                self._dirty = True
            self._used[key] = entry if entry is not None else parsed
            return parsed
        if entry is None:
            return None
        try:
            nodes, values, rows = json.loads(entry)
            tops = [_tops_from_rows(doc_rows) for doc_rows in rows]
        except (ValueError, TypeError, IndexError):
            return None
        if not isinstance(nodes, int) or not isinstance(values, list) or len(values) != len(tops):
            return None
        self._used[key] = entry
        return nodes, values, tops

    def put(self, key: str, nodes: int, values: list, tops: list[dict]) -> None:
        """Remember a clean file's parse; it is encoded only when the cache is saved."""
        self._used[key] = (nodes, values, tops)
        self._dirty = True

    def offer(self, key: str, parsed: tuple[int, list, list[dict]]) -> None:
        """A file's parse (or decoded entry) from a helper process: used, and saved, only if a file
        asks for it."""
        self._decoded[key] = parsed

    @classmethod
    def in_memory(cls) -> ParseCache:
        """A cache for this run only: never read from or written to disk (`--no-cache`)."""
        cache = cls.__new__(cls)
        cache.folder = cache.path = None  # type: ignore[assignment]
        cache._lines, cache._decoded, cache._used, cache._dirty = {}, {}, {}, False
        return cache

    def save(self, background: bool | None = None) -> None:
        """Write the entries this run used (stale ones are dropped); errors only cost speed.

        `background`: write from a forked child, so that the run goes on (the program then ends
        without waiting; the cache is renamed into place when complete, so a run that starts
        meanwhile sees the previous cache or none). Only for the `dutyguard` program itself.
        """
        if self.path is None or (not self._dirty and len(self._used) == len(self._lines)):
            return
        if (jobs.ENDS_AT_ONCE if background is None else background) and self._write_in_child():
            self._used, self._lines, self._decoded = {}, {}, {}  # the child has them; free them here
            return
        try:
            self._write()
        except OSError:
            pass

    def _write_in_child(self) -> bool:
        """Fork a child that writes the cache and leaves; True in the parent once it is forked."""
        if not hasattr(os, "fork"):
            return False
        try:
            pid = os.fork()
        except OSError:
            return False
        if pid != 0:
            return True
        try:  # the child: never returns
            null = os.open(os.devnull, os.O_RDWR)
            for fd in (0, 1, 2):  # whoever reads the program's output sees its end when the parent ends
                os.dup2(null, fd)
            self._write()
        finally:
            os._exit(0)

    def _write(self) -> None:
        self.folder.mkdir(exist_ok=True)
        ignore = self.folder / ".gitignore"
        if not os.path.lexists(ignore):  # a link planted there is not written through
            ignore.write_text("# dutyguard's cache: safe to delete, never commit it\n*\n")
        with _writer_lock(self.folder):
            self._write_locked()

    def _write_locked(self) -> None:
        fd, tmp = tempfile.mkstemp(prefix=".parse-", dir=self.folder)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                for key, entry in self._used.items():
                    payload = encode(*entry) if isinstance(entry, tuple) else entry
                    if payload is not None:
                        handle.write(f"{key}\t{payload}\n")
            os.replace(tmp, self.path)
        except BaseException:
            os.unlink(tmp)
            raise
        for old in self.folder.glob("parse-v*.jsonl"):
            if old != self.path:  # other versions' caches are never read again
                old.unlink(missing_ok=True)


@contextmanager
def _writer_lock(folder: Path) -> Iterator[None]:
    """Held while a cache is written: writers take turns, and `wait_for_writers` can wait for them."""
    if fcntl is None:  # pragma: no cover - no flock: the atomic rename still keeps readers safe
        yield
        return
    fd = os.open(folder / LOCK, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0), 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def wait_for_writers(root: Path) -> None:
    """Return once no process is writing `<root>/.dutyguard-cache/` (the `dutyguard` program leaves
    the cache to a child that may outlive it); for benchmarks and tests that run it back to back."""
    folder = root / DIRNAME
    if fcntl is None or not folder.is_dir() or folder.is_symlink():
        return
    try:
        with _writer_lock(folder):
            pass
    except OSError:
        pass


def encode(nodes: int, values: list, tops: list[dict]) -> str | None:
    """A cache line's JSON payload, or None for a value JSON cannot hold exactly."""
    rows = [[[path[0] if path else _ROOT, line, col] for path, (line, col) in top.items()] for top in tops]
    try:
        return json.dumps([nodes, values, rows], separators=(",", ":"))
    except (TypeError, ValueError):
        return None


def _tops_from_rows(rows: list) -> dict:
    top = {}
    for index, line, col in rows:
        if not (isinstance(index, int) and isinstance(line, int) and isinstance(col, int)):
            raise TypeError("bad position row")
        top[() if index == _ROOT else (index,)] = (line, col)
    return top


# --- signed files in the user's cache folder (~/.cache/dutyguard) --------------------------------

def _user_folder() -> Path:
    return Path.home() / ".cache" / "dutyguard"


def read_signed(name: str) -> bytes | None:
    """The payload of `~/.cache/dutyguard/<name>` if its HMAC (under the cache secret) matches; else None.

    For data dutyguard derives from its own dependencies (the digested IAM catalog): a file someone
    else wrote or changed never matches, and is simply derived again."""
    try:
        with open(_user_folder() / name, "rb") as handle:
            blob = handle.read()
    except OSError:
        return None
    signature, newline, payload = blob.partition(b"\n")
    if not newline or not hmac.compare_digest(signature, _sign(payload)):
        return None
    return payload


def write_signed(name: str, payload: bytes, stale_glob: str | None = None) -> None:
    """Write `payload` with its HMAC, atomically; `stale_glob`: older files of the same kind to delete.
    Errors only cost speed."""
    try:
        folder = _user_folder()
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(prefix=f".{name}-", dir=folder)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(_sign(payload) + b"\n" + payload)
            os.replace(tmp, folder / name)
        except BaseException:
            os.unlink(tmp)
            raise
        for old in folder.glob(stale_glob) if stale_glob else ():
            if old.name != name:
                old.unlink(missing_ok=True)
    except OSError:
        pass


def _sign(payload: bytes) -> bytes:
    return hmac.new(_secret(), payload, "sha256").hexdigest().encode("ascii")

