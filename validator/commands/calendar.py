"""`dutyguard calendar` (not implemented yet)."""

from __future__ import annotations

import argparse


def configure(parser: argparse.ArgumentParser) -> None:
    del parser


def run(args: argparse.Namespace) -> int:
    from validator.findings import UsageError

    raise UsageError("'calendar' is not implemented yet")
