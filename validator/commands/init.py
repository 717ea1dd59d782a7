"""`dutyguard init [DIR]`: a new repository skeleton that validates clean at once (see validator/init)."""

from __future__ import annotations

import argparse
from pathlib import Path


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dir", nargs="?", default=".", metavar="DIR",
                        help="folder of the new repository (default: the current one); existing files are never "
                             "overwritten")


def run(args: argparse.Namespace) -> int:
    import json
    import sys

    from validator.commands.common import now
    from validator.commands.schema import json_schema
    from validator.findings import UsageError
    from validator.init import skeleton
    from validator.render.atomic import write_files_atomic

    root = Path(args.dir)
    if root.exists() and not root.is_dir():
        raise UsageError(f"'{args.dir}' is a file: init writes a folder")
    files = skeleton(now(args), json.dumps(json_schema(), indent=2, sort_keys=True) + "\n")
    for top in ("ownership", "policy"):
        if (root / top).exists():
            raise UsageError(f"'{root / top}' already exists: init does not touch an existing dutyguard repository; "
                             "choose a new or empty folder")
    clash = sorted(rel for rel in files if (root / rel).exists() or (root / rel).is_symlink())
    if clash:
        raise UsageError(f"'{root / clash[0]}' already exists ({len(clash)} file(s) init would write): nothing was "
                         "written; move them away or choose another folder")
    write_files_atomic({root / rel: text.encode("utf-8") for rel, text in sorted(files.items())})
    sys.stderr.write(f"dutyguard: init: wrote {len(files)} files into {root}; next: "
                     f"dutyguard --repo {root} validate\n")
    return 0
