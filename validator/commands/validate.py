"""`dutyguard validate`: run every rule and report."""

from __future__ import annotations

import argparse
import os
import sys

FORMATS = ("auto", "text", "json", "github", "sarif", "junit")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=FORMATS, default="auto",
                        help="auto (default): github inside GitHub Actions, text elsewhere")
    parser.add_argument("--baseline", metavar="REF",
                        help="fail only on findings that the git ref REF did not already have")


def resolve_format(name: str) -> str:
    if name == "auto":
        return "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"
    return name


def run(args: argparse.Namespace) -> int:
    from validator.commands.common import validated
    from validator.report import get_reporter

    result = validated(args)
    if args.baseline:
        from validator.commands.baseline import apply_baseline

        apply_baseline(result, args)
    fmt = resolve_format(args.format)
    get_reporter(fmt)(result, sys.stdout)
    if fmt == "github":
        write_step_summary(result)
    return 1 if result.has_errors else 0


def write_step_summary(result) -> None:
    """Append the full findings table to `$GITHUB_STEP_SUMMARY` when GitHub provides it (format github)."""
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if not target:
        return
    from validator.report.github import step_summary

    try:
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(step_summary(result))
    except OSError as err:
        print(f"dutyguard: warning: cannot append to $GITHUB_STEP_SUMMARY: {err.strerror or err}", file=sys.stderr)
