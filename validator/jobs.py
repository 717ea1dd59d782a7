"""Whether dutyguard may fork helper processes to use a second core."""

from __future__ import annotations

import os
import sys


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
