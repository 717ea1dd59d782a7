"""The suite is reproducible: no test reads the real clock or date (each passes `--now`)."""

from __future__ import annotations

import re
from pathlib import Path

CLOCK = re.compile(r"\b(?:datetime|date)\.(?:now|today|utcnow)\(|\btime\.time\(|\bdate\.today\(")


def test_no_test_reads_the_real_clock():
    here = Path(__file__).resolve()
    offenders = [f"{path.name}:{n}" for path in sorted(here.parent.rglob("*.py")) if path != here
                 for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if CLOCK.search(line)]
    assert offenders == [], "pass --now (or a fixed datetime) instead of reading the clock"
