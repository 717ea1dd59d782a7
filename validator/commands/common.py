"""Helpers every verb shares: the repository, the clock, a validated run."""

from __future__ import annotations

import argparse
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from validator.findings import UsageError

if TYPE_CHECKING:
    from validator.engine import Result


def repo_root(args: argparse.Namespace) -> Path:
    root = Path(args.repo)
    if not root.is_dir():
        raise UsageError(f"repository '{args.repo}' is not a readable directory")
    if not os.access(root, os.R_OK | os.X_OK):
        raise UsageError(f"repository '{args.repo}' cannot be read")
    if not (root / "ownership").exists() and not (root / "policy").exists():
        raise UsageError(f"'{args.repo}' has neither ownership/ nor policy/: pass --repo PATH of a dutyguard "
                         "repository")
    for top in ("ownership", "policy"):
        if (root / top).exists() and not (root / top).is_dir():
            raise UsageError(f"'{root / top}' is not a folder: {top}/ must be a directory of YAML files")
    return root


def parse_instant(text: str, what: str) -> datetime:
    """ISO 8601 instant; without an offset it is UTC."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{what} '{text}' is not an ISO 8601 date-time (e.g. 2026-12-24T03:00Z)") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def now(args: argparse.Namespace) -> datetime:
    if getattr(args, "now", None):
        return parse_instant(args.now, "--now").astimezone(UTC)
    return datetime.now(UTC).replace(microsecond=0)


def validated(args: argparse.Namespace) -> Result:
    from validator.engine import validate_repo

    return validate_repo(repo_root(args), now(args))


def write_text(path: str | None, text: str) -> None:
    """Standard output by default; a file atomically otherwise."""
    import sys

    if path is None or path == "-":
        sys.stdout.write(text)
        return
    from validator.render.atomic import write_file_atomic

    write_file_atomic(Path(path), text.encode("utf-8"))
