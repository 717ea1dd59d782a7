"""`dutyguard init [DIR]`: a new repository skeleton (filled in below)."""

from __future__ import annotations

import argparse


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dir", nargs="?", default=".", metavar="DIR")


def run(args: argparse.Namespace) -> int:
    return 0
