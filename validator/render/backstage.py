"""The organisation as Backstage software catalog entities (`catalog-info.yaml`).

- Team -> Group (`spec.type: team`, `parent`, `children`, the active `members`),
- active Person -> User (`profile.displayName`, `profile.email`, `memberOf`),
- Service -> Component (`spec.type: service`, `lifecycle` production/experimental/deprecated as
  Backstage names them, `owner: group:<team>`, `dependsOn: component:<service>`), with the PagerDuty
  plugin's `pagerduty.com/service-id` annotation where the service has a `pagerduty_id`, and the
  tier and escalation as `dutyguard.io/...` annotations.

The repository has no systems or domains, so none are written. `catalog-info.yaml` is a Location
entity whose targets are `groups.yaml`, `users.yaml` and `components.yaml` (multi-document YAML),
so that one registered URL imports everything. Deterministic: entities sorted by name.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from validator.importers.yaml_out import Doc, dump_docs
from validator.model import Org
from validator.render.base import RenderError

API_VERSION = "backstage.io/v1alpha1"
PAGERDUTY_SERVICE = "pagerduty.com/service-id"   # the PagerDuty plugin's annotation
HEADER = ["Rendered by `dutyguard render backstage` from the dutyguard repository; edit the YAML there, not here."]
FILES = {"Group": "groups.yaml", "User": "users.yaml", "Component": "components.yaml"}


_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")  # catalog-model's isValidObjectName


def entity_name(kind: str, ident: str) -> str:
    """The id as a Backstage name, which must end with a letter or digit (an id may end with '-')."""
    if not _NAME.match(ident) or len(ident) > 63:
        raise RenderError(f"{kind}:{ident} cannot be named in Backstage, whose names end with a letter or digit: "
                          "rename it")
    return ident


def _names(org: Org) -> dict[tuple[str, str], str]:
    collections = (("team", org.teams), ("person", org.people), ("service", org.services))
    return {(kind, ident): entity_name(kind, ident) for kind, collection in collections for ident in collection}


def _doc(kind: str, metadata: dict[str, Any], spec: dict[str, Any]) -> Doc:
    doc = Doc()
    doc.set("apiVersion", API_VERSION)
    doc.set("kind", kind)
    doc.set("metadata", metadata)
    doc.set("spec", spec)
    return doc


def render_backstage(org: Org, now: datetime) -> dict[str, bytes]:
    del now
    names = _names(org)
    active = {pid for pid, person in org.people.items() if person.active}
    children: dict[str, list[str]] = {}
    for tid, team in org.teams.items():
        if team.parent and team.parent in org.teams:
            children.setdefault(team.parent, []).append(tid)
    member_of: dict[str, list[str]] = {}
    for tid in sorted(org.teams):
        for pid in org.teams[tid].members:
            if pid in active and tid not in member_of.setdefault(pid, []):
                member_of[pid].append(tid)

    groups = []
    for tid in sorted(org.teams, key=lambda t: names[("team", t)]):
        team = org.teams[tid]
        spec: dict[str, Any] = {"type": "team", "profile": {"displayName": team.name}}
        if team.parent and team.parent in org.teams:
            spec["parent"] = names[("team", team.parent)]
        spec["children"] = sorted(names[("team", c)] for c in children.get(tid, []))
        spec["members"] = [names[("person", p)] for p in dict.fromkeys(team.members) if p in active]
        metadata: dict[str, Any] = {"name": names[("team", tid)], "title": team.name}
        if team.leads:
            metadata["annotations"] = {"dutyguard.io/leads": ",".join(
                names[("person", p)] for p in team.leads if p in active)}
        groups.append(_doc("Group", metadata, spec))

    users = []
    for pid in sorted(active, key=lambda p: names[("person", p)]):
        person = org.people[pid]
        users.append(_doc("User", {"name": names[("person", pid)]}, {
            "profile": {"displayName": person.name, "email": person.email},
            "memberOf": [names[("team", t)] for t in member_of.get(pid, [])]}))

    components = []
    for sid in sorted(org.services, key=lambda s: names[("service", s)]):
        service = org.services[sid]
        annotations = {"dutyguard.io/tier": str(service.tier)}
        if service.escalation:
            annotations["dutyguard.io/escalation"] = service.escalation
        if service.pagerduty_id:
            annotations[PAGERDUTY_SERVICE] = service.pagerduty_id
        metadata = {"name": names[("service", sid)]}
        if service.name:
            metadata["title"] = service.name
        if service.description:
            metadata["description"] = service.description
        metadata["annotations"] = dict(sorted(annotations.items()))
        spec = {"type": "service", "lifecycle": service.lifecycle,
                "owner": f"group:{names[('team', service.owner)]}"}
        depends = [f"component:{names[('service', d)]}" for d in dict.fromkeys(service.depends_on)
                   if d in org.services]
        if depends:
            spec["dependsOn"] = depends
        components.append(_doc("Component", metadata, spec))

    location = _doc("Location", {"name": "dutyguard", "description": "Everything dutyguard renders"},
                    {"type": "file", "targets": [f"./{FILES[k]}" for k in ("Group", "User", "Component")]})
    return {
        "catalog-info.yaml": dump_docs([location], HEADER),
        FILES["Group"]: dump_docs(groups, HEADER),
        FILES["User"]: dump_docs(users, HEADER),
        FILES["Component"]: dump_docs(components, HEADER),
    }
