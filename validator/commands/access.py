"""`dutyguard access [--person ID | --role ID] [--format text|json]`: effective access with its paths."""

from __future__ import annotations

import argparse


def configure(parser: argparse.ArgumentParser) -> None:
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--person", metavar="ID", help="every role this person reaches, and how")
    which.add_argument("--role", metavar="ID", help="everyone who reaches this role, and how")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")


def run(args: argparse.Namespace) -> int:
    import json
    import sys

    from validator.commands.common import now, repo_root
    from validator.graph.access import AccessModel, effective_access
    from validator.load import load_repo
    from validator.model import build_org
    from validator.report.access import person_document, person_text, role_document, role_text

    loaded = load_repo(repo_root(args))
    org, model_findings = build_org(loaded)
    errors = [f for f in (*loaded.findings, *model_findings) if f.severity == "error"]
    if errors:
        print(f"dutyguard: note: the repository has {len(errors)} schema error(s); access is shown for the "
              "entities that load (run 'dutyguard validate')", file=sys.stderr)
    if args.person is not None:
        _known(args.person, org.people, "person")
    if args.role is not None:
        _known(args.role, org.roles, "role")
    model = AccessModel(org)
    reaches = effective_access(org, now(args), model)
    if args.role is not None:
        document = role_document(org, model, args.role, reaches)
        text = role_text(document, model)
    elif args.person is not None:
        document = person_document(args.person, reaches)
        text = person_text(org, model, document)
    else:
        people = sorted(p.id for p in org.people.values() if p.active)
        documents = [person_document(p, reaches) for p in people]
        document = {"people": documents}
        text = "".join(person_text(org, model, d) for d in documents) or "no active people\n"
    sys.stdout.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n" if args.format == "json" else text)
    return 0


def _known(ident: str, collection: dict, kind: str) -> None:
    import difflib

    from validator.findings import UsageError

    if ident in collection:
        return
    close = difflib.get_close_matches(ident, list(collection), n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    raise UsageError(f"unknown {kind} '{ident}'{hint}")
