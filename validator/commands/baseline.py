"""`validate --baseline REF`: leave out the findings that REF already had (same fingerprint: rule, entity
and subject; never the message, whose numbers and dates move with `--now`)."""

from __future__ import annotations

import argparse
from collections import Counter
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from validator.engine import Result
    from validator.findings import Finding


def apply_baseline(result: Result, args: argparse.Namespace) -> None:
    """Drop from `result` every finding the baseline ref had; `result.baseline` counts them."""
    from validator.commands.common import now, repo_root
    from validator.engine import validate_sources
    from validator.git import sources_at

    old = validate_sources(sources_at(repo_root(args), args.baseline), now(args))
    kept, dropped = subtract(result.findings, old.findings)
    result.findings = kept
    result.baseline = dropped


def subtract(findings: list[Finding], baseline: list[Finding]) -> tuple[list[Finding], int]:
    """`findings` without those the baseline has, as a multiset of fingerprints."""
    known = Counter(f.fingerprint for f in baseline)
    kept = []
    dropped = 0
    for finding in findings:
        key = finding.fingerprint
        if known[key] > 0:
            known[key] -= 1
            dropped += 1
        else:
            kept.append(finding)
    return kept, dropped
