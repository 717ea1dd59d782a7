"""`dutyguard prune [--dry-run]`: remove expired grants and waivers from the YAML in place."""

from __future__ import annotations

import argparse


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dry-run", action="store_true", help="print what would be removed; change nothing")


def run(args: argparse.Namespace) -> int:
    import sys

    from validator.commands.common import now, repo_root
    from validator.prune import apply, plan

    root = repo_root(args)
    result = plan(root, now(args))
    verb = "would remove" if args.dry_run else "removed"
    for removal in result.removals:
        print(f"{verb} {removal.entity} (expired {removal.expires}) from {removal.path}:{removal.line}")
    for path, data in result.edits.items():
        if data is None:
            print(f"{'would delete' if args.dry_run else 'deleted'} {path}: nothing else was in it")
    for problem in result.problems:
        print(f"dutyguard: warning: {problem}", file=sys.stderr)
    if not result.removals and not result.problems:
        print("nothing to prune: no expired grant or waiver")
    if not args.dry_run:
        apply(root, result)
    return 0
