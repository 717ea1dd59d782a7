"""Where a finding's file is, for tools that resolve paths themselves (GitHub annotations, code scanning)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from validator.engine import Result


def workspace_path(result: Result, path: str) -> str:
    """`path` (relative to --repo) made relative to `$GITHUB_WORKSPACE` when that holds the repository.

    GitHub resolves annotation and SARIF paths against the checkout, so a dutyguard repository in a
    sub-folder (`--repo infra/oncall`) still points at the right file. Elsewhere the path is unchanged.
    """
    workspace = os.environ.get("GITHUB_WORKSPACE")
    if not path or result.root is None or not workspace:
        return path
    full = (Path(result.root) / path).resolve()
    try:
        return full.relative_to(Path(workspace).resolve()).as_posix()
    except ValueError:
        return path
