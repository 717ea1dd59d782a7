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
        text = role_text(document)
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


def _expires(value) -> str | None:
    return None if value is None else value.isoformat()


def person_document(person: str, reaches) -> dict:
    roles = []
    for reach in reaches:
        if reach.person != person:
            continue
        entry = {"role": reach.role, "environment": reach.environment, "via": list(reach.via),
                 "expires": _expires(reach.expires)}
        if reach.conditions:
            entry["conditions"] = list(reach.conditions)
        roles.append(entry)
    return {"person": person, "roles": roles}


def role_document(org, model, role_id: str, reaches) -> dict:
    people = []
    for reach in reaches:
        if reach.role != role_id:
            continue
        entry = {"person": reach.person, "via": list(reach.via), "expires": _expires(reach.expires)}
        if reach.conditions:
            entry["conditions"] = list(reach.conditions)
        people.append(entry)
    role = org.roles[role_id]
    return {"role": role_id, "environment": role.environment, "risk": model.view(role_id).risks, "people": people}


def _details(environment: str, risks: list[str], expires: str | None) -> str:
    shown = [r for r in risks if r != "production"]
    parts = [environment, ("risk: " + ", ".join(shown)) if shown else "", f"expires {expires or 'never'}"]
    return "[" + "; ".join(p for p in parts if p) + "]"


def person_text(org, model, document: dict) -> str:
    from validator.graph.access import format_path

    person = document["person"]
    roles = document["roles"]
    if not org.people[person].active:
        return f"{person}: inactive (has left), no access\n"
    count = len({r["role"] for r in roles})
    lines = [f"{person}: {count} role{'s' if count != 1 else ''}" if roles else f"{person}: no access"]
    for entry in roles:
        risks = model.view(entry["role"]).risks
        lines.append(f"  {format_path(person, entry['via'], entry['role'])}  "
                     f"{_details(entry['environment'], risks, entry['expires'])}")
        lines.extend(f"      if {c}" for c in entry.get("conditions", ()))
    return "\n".join(lines) + "\n"


def role_text(document: dict) -> str:
    from validator.graph.access import format_path

    risks = ", ".join(document["risk"]) or "none"
    people = document["people"]
    count = len({p["person"] for p in people})
    lines = [f"role {document['role']} ({document['environment']}; risk: {risks}): "
             f"{count} {'person' if count == 1 else 'people'}"]
    for entry in people:
        lines.append(f"  {format_path(entry['person'], entry['via'], document['role'])}  "
                     f"[expires {entry['expires'] or 'never'}]")
        lines.extend(f"      if {c}" for c in entry.get("conditions", ()))
    return "\n".join(lines) + "\n"
