"""How the process may use the machine: helper processes on a second core, and whether it ends at once."""

from __future__ import annotations

import os
import sys

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
