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
    if not MIN_YEAR <= moment.year <= MAX_YEAR:  # far enough from year 1 and 9999 that no arithmetic overflows
        raise UsageError(f"{what} '{text}' is outside the years {MIN_YEAR}..{MAX_YEAR} dutyguard works with")
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


MIN_YEAR, MAX_YEAR = 1970, 2200


def now(args: argparse.Namespace) -> datetime:
    if getattr(args, "now", None):
        return parse_instant(args.now, "--now").astimezone(UTC)
    return datetime.now(UTC).replace(microsecond=0)


def validated(args: argparse.Namespace) -> Result:
    from validator.engine import validate_repo

    return validate_repo(repo_root(args), now(args))


def write_text(path: str | None, text: str, root: Path | None = None) -> None:
    """Standard output by default; a file atomically otherwise (never into the repository's own YAML)."""
    import sys

    if path is None or path == "-":
        sys.stdout.write(text)
        return
    from validator.render.atomic import write_file_atomic

    if root is not None:
        refuse_output_in_repository(root, Path(path))
    write_file_atomic(Path(path), text.encode("utf-8"))


def refuse_output_in_repository(root: Path, out: Path) -> None:
    """A usage error (exit 2) for an output inside ownership/ or policy/, or that would replace the repository."""
    resolved = out.absolute().resolve()
    repo = root.absolute().resolve()
    for protected in (repo / "ownership", repo / "policy"):
        if resolved == protected or protected in resolved.parents:
            raise UsageError(f"--out {out} is inside {protected.name}/: an output must not write into the "
                             "repository's own YAML; write it elsewhere, e.g. --out build/...")
    if resolved == repo or resolved in repo.parents:
        raise UsageError(f"--out {out} would replace the repository itself: use e.g. --out build/...")
