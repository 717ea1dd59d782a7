"""`dutyguard diff BASE [HEAD]`: what a change does to effective access, ownership, on-call and findings."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

FORMATS = ("markdown", "json")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("base", metavar="BASE", help="git ref of the state before (e.g. origin/main)")
    parser.add_argument("head", metavar="HEAD", nargs="?",
                        help="git ref of the state after (default: the working tree, uncommitted changes included)")
    parser.add_argument("--format", choices=FORMATS, default="markdown",
                        help="markdown (default): a pull-request comment; json: the machine-readable diff")


def run(args: argparse.Namespace) -> int:
    from validator.commands.common import now, repo_root
    from validator.diff import compare
    from validator.engine import validate_repo, validate_sources
    from validator.git import check_ref, sources_at

    check_ref(args.base)
    if args.head is not None:
        check_ref(args.head)
    root = _root(args, repo_root)
    moment = now(args)
    before = validate_sources(sources_at(root, args.base), moment)
    if args.head is None:
        after = validate_repo(root, moment)
    else:
        after = validate_sources(sources_at(root, args.head), moment)
    diff = compare(before, after, moment)
    if args.format == "json":
        json.dump(diff, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        from validator.report.markdown import render_diff

        sys.stdout.write(render_diff(diff, args.base, args.head or "working tree"))
    return 1 if any(f["severity"] == "error" for f in diff["findings"]["new"]) else 0


def _root(args: argparse.Namespace, repo_root) -> Path:
    """The repository; between two refs its folders need not exist in the working tree."""
    from validator.findings import UsageError

    try:
        return repo_root(args)
    except UsageError:
        if args.head is not None and Path(args.repo).is_dir():
            return Path(args.repo)
        raise
