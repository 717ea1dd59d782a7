"""`dutyguard lsp`: a Language Server over standard input/output (SPEC section 5); see docs/editors.md."""

from __future__ import annotations

import argparse
import sys


def configure(parser: argparse.ArgumentParser) -> None:
    parser.epilog = ("Started by an editor in the repository root (or with --repo). --now fixes the server's "
                     "clock; so does initializationOptions {\"now\": ISO}.")


def run(args: argparse.Namespace) -> int:
    from validator.commands.common import now, repo_root

    root = repo_root(args)
    fixed = now(args) if getattr(args, "now", None) else None
    from validator.lsp.server import serve

    code = serve(root, fixed)
    try:
        sys.stdout.flush()  # every message is written before `dutyguard` leaves with os._exit
    except (ValueError, OSError):  # pygls closed it at `exit`, after writing everything
        pass
    return code
