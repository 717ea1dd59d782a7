"""How the process may use the machine: helper processes on a second core, and whether it ends at once."""

from __future__ import annotations

import os
import queue
import sys
import threading
from collections.abc import Callable, Iterable
from typing import BinaryIO

# Set by the `dutyguard` program (`cli.run`), which leaves with os._exit right after its command: a
# run then frees nothing it would free only to exit (tearing down millions of objects takes longer
# than some whole runs), and its cache may be written by a child that outlives it. In-process
# callers (the tests, a library user) keep the default: everything is freed and written before returning.
ENDS_AT_ONCE = False


def keep_until_exit(value: object) -> None:
    """Keep `value` referenced until the process ends (when it ends at once), so it is never torn down."""
    if ENDS_AT_ONCE:
        _KEPT.append(value)


_KEPT: list[object] = []


def helpers_allowed() -> bool:
    """Linux (fork is cheap and safe there), two or more usable CPUs, and not `DUTYGUARD_JOBS=1`."""
    if os.environ.get("DUTYGUARD_JOBS", "") == "1" or not sys.platform.startswith("linux"):
        return False
    if not hasattr(os, "fork"):
        return False
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    return cpus >= 2


def fork_helper(work: Callable[[], bytes | Iterable[bytes]],
                then: Callable[[], object] | None = None) -> tuple[int, int] | None:
    """Fork a child that sends `work()` to us through a pipe (bytes, or chunks of bytes each sent as
    soon as it is made), then (detached from our output) does `then()`, and leaves without running
    any of our exit handlers; it never execs anything.
    (pid, read end of the pipe) in the parent; None if the fork failed."""
    read_fd, write_fd = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(read_fd)
        os.close(write_fd)
        return None
    if pid == 0:  # the child
        code = 1
        try:
            os.close(read_fd)
            with os.fdopen(write_fd, "wb") as pipe:
                made = work()
                if isinstance(made, bytes):
                    pipe.write(made)
                else:
                    _send_while_making(made, pipe)
            code = 0
            if then is not None:
                detach()
                then()
        except BaseException:  # noqa: S110 - the parent notices (no data) and does the work itself
            pass
        finally:
            os._exit(code)
    os.close(write_fd)
    return pid, read_fd


def _send_while_making(chunks: Iterable[bytes], pipe: BinaryIO) -> None:
    """Write each chunk from a second thread, so that making the next one never waits for the
    reader to empty the pipe (a blocked write releases the GIL)."""
    ready: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
    failed: list[BaseException] = []

    def send() -> None:
        try:
            while (chunk := ready.get()) is not None:
                pipe.write(chunk)
                pipe.flush()
        except BaseException as err:  # the reader went away: stop making chunks too
            failed.append(err)

    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    try:
        for chunk in chunks:
            if failed:
                break
            ready.put(chunk)
    finally:
        ready.put(None)
        sender.join()
    if failed:
        raise failed[0]


def collect(pid: int, read_fd: int, wait: bool = True) -> bytes | None:
    """Everything the helper sent, once it closed the pipe; None if it failed. `wait=False`: do not
    wait for it to end (it has more work); a complete message is then the only proof of success, so
    the reader must check it decodes."""
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
    return b"".join(chunks)


def detach() -> None:
    """Let whoever reads the program's output see its end when the parent ends, not when we do."""
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)

