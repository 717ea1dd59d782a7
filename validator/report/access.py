"""The `access` command's documents (JSON) and text: effective access with its paths."""

from __future__ import annotations


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
        lines.append(f"  {format_path(person, entry['via'], entry['role'], model.edge_label)}  "
                     f"{_details(entry['environment'], risks, entry['expires'])}")
        lines.extend(f"      if {c}" for c in entry.get("conditions", ()))
    return "\n".join(lines) + "\n"


def role_text(document: dict, model=None) -> str:
    from validator.graph.access import format_path

    risks = ", ".join(document["risk"]) or "none"
    people = document["people"]
    count = len({p["person"] for p in people})
    lines = [f"role {document['role']} ({document['environment']}; risk: {risks}): "
             f"{count} {'person' if count == 1 else 'people'}"]
    for entry in people:
        lines.append(f"  {format_path(entry['person'], entry['via'], document['role'], model and model.edge_label)}  "
                     f"[expires {entry['expires'] or 'never'}]")
        lines.extend(f"      if {c}" for c in entry.get("conditions", ()))
    return "\n".join(lines) + "\n"
