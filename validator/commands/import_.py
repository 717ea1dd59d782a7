"""`dutyguard import pagerduty FILE... --out DIR`: YAML for this repository from saved PagerDuty responses.

(`import` is a Python keyword, hence the module name; cli.py maps the verb to it.)
"""

from __future__ import annotations

import argparse
from pathlib import Path


def configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="source", metavar="SOURCE")
    sub.required = True
    pagerduty = sub.add_parser(
        "pagerduty", help="PagerDuty REST API v2 list responses saved as JSON",
        description="YAML for ownership/ from PagerDuty REST API v2 list responses saved as JSON files (users, "
                    "teams, team members, schedules with schedule_layers, escalation_policies, services; several "
                    "pages each). Never touches the network.")
    pagerduty.add_argument("files", nargs="+", metavar="FILE", help="saved API responses (JSON)")
    pagerduty.add_argument("--out", required=True, metavar="DIR",
                           help="folder for the YAML, e.g. ownership/pagerduty; a second import into it updates "
                                "the entities by pagerduty_id")


def run(args: argparse.Namespace) -> int:
    import sys

    from validator.commands.common import now
    from validator.findings import UsageError
    from validator.importers.pagerduty import ImportError_, import_pagerduty
    from validator.importers.yaml_out import inert
    from validator.render.atomic import write_files_atomic

    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {args.out} is a file: import writes a folder of YAML files")
    try:
        result = import_pagerduty([Path(f) for f in args.files], out, now(args))
    except ImportError_ as err:
        raise UsageError(inert(str(err))) from None
    write_files_atomic({out / name: data for name, data in sorted(result.files.items())})
    for note in result.notes:
        sys.stderr.write(f"dutyguard: import: {inert(note)}\n")
    counts = ", ".join(f"{n} {kind}" for kind, n in result.counts.items())
    sys.stderr.write(f"dutyguard: import: wrote {counts} into {inert(str(out))} "
                     f"({len(result.notes)} note{'s' if len(result.notes) != 1 else ''} above; lines marked REVIEW "
                     "in the YAML hold defaults to check)\n")
    return 0
