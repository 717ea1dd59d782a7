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
    from validator.diff import adds_error, compare
    from validator.engine import validate_repo, validate_sources
    from validator.git import check_ref, sources_at

    check_ref(args.base)
    if args.head is not None:
        check_ref(args.head)
    root = _root(args, repo_root)
    moment = now(args)
    base_sources = sources_at(root, args.base)
    base_bytes = {source.path: source.data for source in base_sources if source.data is not None}
    parses: dict = {}  # the head's unchanged files are not parsed again (in memory, keyed by their text)
    before = validate_sources(base_sources, moment, parses)
    del base_sources
    if args.head is None:
        after = validate_repo(root, moment, parses)
        same = {path for path in after.files if base_bytes.get(path) is not None
                and base_bytes[path] == _read(root, path)}
    else:
        head_sources = sources_at(root, args.head)
        same = {source.path for source in head_sources
                if source.data is not None and base_bytes.get(source.path) == source.data}
        after = validate_sources(head_sources, moment, parses)
        del head_sources
    diff = compare(before, after, moment, same)
    if args.format == "json":
        json.dump(diff, sys.stdout, indent=2, ensure_ascii=True)  # SPEC: JSON is written ASCII-only
        sys.stdout.write("\n")
    else:
        from validator.report.markdown import render_diff

        sys.stdout.write(render_diff(diff, args.base, args.head or "working tree"))
    return 1 if adds_error(diff) else 0


def _read(root: Path, rel: str) -> bytes | None:
    """The bytes of a repository file on disk, read as the loader reads it (None if it cannot be)."""
    from validator.load.files import read_file

    return read_file(str(root / rel), rel).data


def _root(args: argparse.Namespace, repo_root) -> Path:
    """The repository; between two refs its folders need not exist in the working tree."""
    from validator.findings import UsageError

    try:
        return repo_root(args)
    except UsageError:
        if args.head is not None and Path(args.repo).is_dir():
            return Path(args.repo)
        raise
