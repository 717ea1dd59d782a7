"""The organisation as an incident.io catalog-importer configuration, with its entries inline.

`importer.jsonnet` follows incident-io/catalog-importer's documented format (`sync_id`, `pipelines`
of `sources` and `outputs`; see its `config/reference.jsonnet`). It is written as JSON, which is
valid Jsonnet, so `catalog-importer validate --config importer.jsonnet` and `sync` read it as it
is. Three catalog types, each its own pipeline with an `inline` source:

- `Custom["DutyguardTeam"]`: teams with members' and leads' emails and the parent team,
- `Custom["DutyguardEscalation"]`: escalation policies with their levels and PagerDuty id,
- `Custom["DutyguardService"]`: services with tier, lifecycle, owner team, escalation (a reference,
  and its name and PagerDuty id as plain attributes) and dependencies.

The importer writes catalog entries; it does not configure paging (PagerDuty does that, see
`render pagerduty`). Entries use repository ids as external ids, with names and PagerDuty ids as
aliases. JSON is written ASCII-only (`\\uXXXX`) so that no hidden character travels unseen.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from validator.model import Org
from validator.model.types import split_ref

SYNC_ID = "dutyguard"
TEAM, ESCALATION, SERVICE = 'Custom["DutyguardTeam"]', 'Custom["DutyguardEscalation"]', 'Custom["DutyguardService"]'


def _attribute(ident: str, name: str, kind: str, array: bool = False) -> dict[str, Any]:
    attribute: dict[str, Any] = {"id": ident, "name": name, "type": kind, "source": f"$.{ident}"}
    if array:
        attribute["array"] = True
    return attribute


def _output(name: str, description: str, type_name: str, categories: list[str],
            attributes: list[dict[str, Any]]) -> dict[str, Any]:
    return {"name": name, "description": description, "type_name": type_name, "categories": categories,
            "source": {"name": "$.name", "external_id": "$.external_id", "aliases": ["$.aliases"]},
            "attributes": attributes}


def _aliases(*values: str | None) -> list[str]:
    return sorted({v for v in values if v})


def _levels(org: Org, eid: str) -> list[str]:
    out = []
    for number, level in enumerate(org.escalations[eid].levels, start=1):
        targets = ", ".join(f"{split_ref(t)[0]} {split_ref(t)[1]}" for t in level.targets)
        after = f" (after {level.after})" if level.after else ""
        out.append(f"{number}: {targets}{after}")
    return out


def render_incidentio(org: Org, now: datetime) -> dict[str, bytes]:
    del now
    active = {pid for pid, person in org.people.items() if person.active}
    email = {pid: org.people[pid].email for pid in active}
    teams = []
    for tid in sorted(org.teams):
        team = org.teams[tid]
        entry: dict[str, Any] = {
            "external_id": tid, "name": team.name, "aliases": _aliases(team.pagerduty_id),
            "members": [email[p] for p in dict.fromkeys(team.members) if p in active],
            "leads": [email[p] for p in dict.fromkeys(team.leads) if p in active],
        }
        if team.parent and team.parent in org.teams:
            entry["parent"] = team.parent
        if team.pagerduty_id:
            entry["pagerduty_id"] = team.pagerduty_id
        teams.append(entry)
    escalations = []
    for eid in sorted(org.escalations):
        escalation = org.escalations[eid]
        entry = {"external_id": eid, "name": escalation.name or eid, "aliases": _aliases(escalation.pagerduty_id),
                 "levels": _levels(org, eid), "repeat": escalation.repeat}
        if escalation.pagerduty_id:
            entry["pagerduty_id"] = escalation.pagerduty_id
        escalations.append(entry)
    services = []
    for sid in sorted(org.services):
        service = org.services[sid]
        entry = {"external_id": sid, "name": service.name or sid, "aliases": _aliases(service.pagerduty_id),
                 "tier": service.tier, "lifecycle": service.lifecycle, "owner": service.owner,
                 "depends_on": [d for d in dict.fromkeys(service.depends_on) if d in org.services]}
        if service.description:
            entry["description"] = service.description
        if service.pagerduty_id:
            entry["pagerduty_service_id"] = service.pagerduty_id
        if service.escalation and service.escalation in org.escalations:
            escalation = org.escalations[service.escalation]
            entry["escalation"] = service.escalation
            entry["escalation_policy_name"] = escalation.name or service.escalation
            if escalation.pagerduty_id:
                entry["escalation_policy_pagerduty_id"] = escalation.pagerduty_id
        services.append(entry)

    team_output = _output("Team", "Teams, from the dutyguard repository.", TEAM, ["team"], [
        _attribute("members", "Members (email)", "String", array=True),
        _attribute("leads", "Leads (email)", "String", array=True),
        _attribute("parent", "Parent team", TEAM),
        _attribute("pagerduty_id", "PagerDuty team ID", "String"),
    ])
    escalation_output = _output("Escalation", "Escalation policies, from the dutyguard repository (PagerDuty pages "
                                "by them; this is their catalog entry).", ESCALATION, ["on-call"], [
        _attribute("levels", "Levels", "String", array=True),
        _attribute("repeat", "Repeats", "Number"),
        _attribute("pagerduty_id", "PagerDuty escalation policy ID", "String"),
    ])
    service_output = _output("Service", "Services, from the dutyguard repository.", SERVICE, ["service"], [
        _attribute("description", "Description", "Text"),
        _attribute("tier", "Tier", "Number"),
        _attribute("lifecycle", "Lifecycle", "String"),
        _attribute("owner", "Owner", TEAM),
        _attribute("escalation", "Escalation", ESCALATION),
        _attribute("escalation_policy_name", "Escalation policy", "String"),
        _attribute("escalation_policy_pagerduty_id", "PagerDuty escalation policy ID", "String"),
        _attribute("pagerduty_service_id", "PagerDuty service ID", "String"),
        _attribute("depends_on", "Depends on", SERVICE, array=True),
    ])
    config = {
        "sync_id": SYNC_ID,
        "pipelines": [
            {"sources": [{"inline": {"entries": teams}}], "outputs": [team_output]},
            {"sources": [{"inline": {"entries": escalations}}], "outputs": [escalation_output]},
            {"sources": [{"inline": {"entries": services}}], "outputs": [service_output]},
        ],
    }
    text = json.dumps(config, indent=2, sort_keys=True, ensure_ascii=True) + "\n"
    return {"importer.jsonnet": text.encode("ascii"), "README.md": README.encode("ascii")}


README = """\
# incident.io catalog, rendered by dutyguard

`importer.jsonnet` is a configuration for incident.io's catalog importer
(https://github.com/incident-io/catalog-importer) with every entry inline: teams, escalation
policies and services (tier, owner, escalation policy name and PagerDuty id). Do not edit it:
change the dutyguard repository and render again (`dutyguard render incidentio --out DIR`).

    export INCIDENT_API_KEY=...      # an API key that may manage the catalog
    catalog-importer validate --config importer.jsonnet
    catalog-importer sync --config importer.jsonnet --dry-run
    catalog-importer sync --config importer.jsonnet

The catalog types are Custom["DutyguardTeam"], Custom["DutyguardEscalation"] and
Custom["DutyguardService"]; the sync id is "dutyguard".
"""
