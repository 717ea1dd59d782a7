"""The organisation as PagerDuty configuration: REST API v2 request bodies, or Terraform JSON.

Both formats share one intermediate: plain dicts built from the model by the `_*_fields` helpers,
so the API bodies and the Terraform resources cannot drift apart.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from validator.model import Org
from validator.model.kinds import Escalation, Layer, Restriction, Rotation, Service
from validator.model.types import DAYS, clock_minutes, split_ref
from validator.render.base import RenderError, dumps, in_zone, iso, tf_literal, tf_name, tf_ref

MIN_TURN_SECONDS = 3600                 # the pagerduty provider's limit (and PagerDuty's UI minimum)
MAX_TURN_SECONDS = 365 * 24 * 3600      # "cannot exceed one year"
DEFAULT_DELAY_MINUTES = 30              # a level without `after`: PagerDuty's own default
MAX_NAME = 100                          # PagerDuty's maxLength for user and team names
DAY_SECONDS = 86400
MANAGED = "Managed by dutyguard"

# creation order: what a body references must exist before it
ORDER = ("users", "teams", "team_memberships", "schedules", "schedule_overrides", "escalation_policies", "services")


# --- shared, format-independent pieces ----------------------------------------------------------
def active_people(org: Org) -> list[str]:
    """People rendered as PagerDuty users: the active ones (inactive people must not be referenced)."""
    return sorted(pid for pid, person in org.people.items() if person.active)


def rendered_services(org: Org) -> list[str]:
    """Services that page: those with an escalation (PagerDuty requires one per service)."""
    return sorted(sid for sid, service in org.services.items() if service.escalation)


def turn_seconds(rotation: Rotation, layer: Layer) -> int:
    seconds = layer.turn.seconds
    if not MIN_TURN_SECONDS <= seconds <= MAX_TURN_SECONDS:
        raise RenderError(
            f"rotation:{rotation.id} layer '{layer.name}' has a turn of {layer.turn}: PagerDuty takes turns of 1h "
            "to 365d (3600-31536000 s); change the turn to render it")
    return seconds


def restrictions(rule_list: list[Restriction]) -> list[dict[str, Any]]:
    """Repository restrictions as PagerDuty restrictions.

    A restriction on all seven days is one `daily_restriction`; otherwise one `weekly_restriction`
    per listed day (`start_day_of_week` 1 = Monday). `to <= from` crosses midnight; `from == to` is
    24 hours. A restriction that covers the whole week means no restriction at all.
    """
    out: list[dict[str, Any]] = []
    for rule in rule_list:
        start = clock_minutes(rule.from_) % 1440
        end = clock_minutes(rule.to) % 1440
        minutes = end - start if end > start else 1440 - (start - end)
        days = sorted(set(rule.days), key=DAYS.index)
        time_of_day = f"{start // 60:02d}:{start % 60:02d}:00"
        if len(days) == 7:
            if minutes == 1440:
                return []
            out.append({"type": "daily_restriction", "start_time_of_day": time_of_day,
                        "duration_seconds": minutes * 60})
            continue
        for day in days:
            out.append({"type": "weekly_restriction", "start_time_of_day": time_of_day,
                        "duration_seconds": minutes * 60, "start_day_of_week": DAYS.index(day) + 1})
    return _unique(out)


def _unique(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    for item in items:
        if item not in seen:
            seen.append(item)
    return seen


def _layer_fields(rotation: Rotation, layer: Layer) -> dict[str, Any]:
    start = iso(in_zone(layer.start, rotation.timezone))
    return {
        "name": layer.name,
        "start": start,
        "rotation_virtual_start": start,
        "rotation_turn_length_seconds": turn_seconds(rotation, layer),
        "users": list(layer.members),
        "restrictions": restrictions(layer.restrictions),
    }


def _schedule_fields(rotation: Rotation) -> dict[str, Any]:
    """Layers in repository order: PagerDuty creates them as Layer 1, 2, ... and a later layer wins."""
    return {
        "name": rotation.name or rotation.id,
        "time_zone": rotation.timezone,
        "description": f"{MANAGED} (rotation {rotation.id})",
        "layers": [_layer_fields(rotation, layer) for layer in rotation.layers],
    }


def _overrides(rotation: Rotation, now: datetime) -> list[dict[str, str]]:
    """Overrides still running or to come at `now` (a past override changes nothing)."""
    out = []
    for override in rotation.overrides:
        start, end = in_zone(override.from_, rotation.timezone), in_zone(override.to, rotation.timezone)
        if end > now:
            out.append({"start": iso(start), "end": iso(end), "person": override.person})
    return out


def _escalation_team(org: Org, escalation: Escalation) -> str | None:
    """The one team owning every service that uses this escalation (PagerDuty allows one team)."""
    owners = {s.owner for s in org.services.values() if s.escalation == escalation.id}
    return owners.pop() if len(owners) == 1 else None


def _rule_fields(escalation: Escalation) -> list[dict[str, Any]]:
    rules = []
    for level in escalation.levels:
        minutes = level.after.seconds // 60 if level.after else DEFAULT_DELAY_MINUTES
        targets = []
        for target in level.targets:
            kind, ident = split_ref(target)
            targets.append(("schedule_reference" if kind == "rotation" else "user_reference", ident))
        rules.append({"delay": max(1, minutes), "targets": targets})
    return rules


def _check_name(kind: str, ident: str, name: str) -> str:
    if len(name) > MAX_NAME:
        raise RenderError(f"{kind}:{ident} has a name of {len(name)} characters: PagerDuty takes at most "
                          f"{MAX_NAME}; shorten it")
    return name


def _team_description(org: Org, team_id: str) -> str:
    team = org.teams[team_id]
    parent = f"; parent team {team.parent}" if team.parent else ""
    return f"{MANAGED} (team {team_id}{parent})"


def _escalation_zone(org: Org, escalation_id: str | None) -> str:
    """The zone business hours are read in (as ROT002 reads them): the escalation's first rotation's, else UTC."""
    escalation = org.escalations.get(escalation_id or "")
    for level in escalation.levels if escalation else ():
        for target in level.targets:
            kind, ident = split_ref(target)
            if kind == "rotation" and ident in org.rotations:
                return org.rotations[ident].timezone
    return "UTC"


def _clock(text: str) -> str:
    """'09:00' -> '09:00:00'; the end of the day '24:00' is PagerDuty's last second, '23:59:59'."""
    return "23:59:59" if text == "24:00" else f"{text}:00"


def _service_hours(org: Org, service: Service) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """The tier's hours as PagerDuty `support_hours` (None for 24x7 and none) and `incident_urgency_rule`:
    `24x7` pages with high urgency always, `business` high inside support hours and low outside (so it does
    not page at night), `none` low always."""
    policy = org.settings.tiers.get(service.tier)
    hours = policy.hours if policy else "none"
    if hours == "24x7":
        return None, {"type": "constant", "urgency": "high"}
    if hours == "none":
        return None, {"type": "constant", "urgency": "low"}
    business = org.settings.business_hours
    if clock_minutes(business.to) <= clock_minutes(business.from_):
        raise RenderError(f"Settings business_hours {business.from_}-{business.to} cross midnight: PagerDuty "
                          f"support hours are one stretch within a day; service {service.id} (tier "
                          f"{service.tier}, hours business) cannot be rendered")
    support = {"type": "fixed_time_per_day", "time_zone": _escalation_zone(org, service.escalation),
               "start_time": _clock(business.from_), "end_time": _clock(business.to),
               "days_of_week": sorted(DAYS.index(day) + 1 for day in set(business.days))}
    return support, {"type": "use_support_hours",
                     "during_support_hours": {"type": "constant", "urgency": "high"},
                     "outside_support_hours": {"type": "constant", "urgency": "low"}}


# --- REST API v2 request bodies -----------------------------------------------------------------
def _ref(ident: str, kind: str) -> dict[str, str]:
    return {"id": ident, "type": kind}


def render_pagerduty_api(org: Org, now: datetime) -> dict[str, bytes]:
    """{relative path: bytes} of every request body plus `manifest.json` (the creation order)."""
    bodies: dict[str, tuple[str, str, Any]] = {}   # rel -> (method, path, body)

    for pid in active_people(org):
        person = org.people[pid]
        bodies[f"users/{pid}.json"] = ("POST", "/users", {"user": {
            "type": "user", "name": _check_name("person", pid, person.name), "email": person.email,
            "time_zone": person.timezone}})
    for tid in sorted(org.teams):
        team = org.teams[tid]
        bodies[f"teams/{tid}.json"] = ("POST", "/teams", {"team": {
            "type": "team", "name": _check_name("team", tid, team.name),
            "description": _team_description(org, tid)}})
    for tid in sorted(org.teams):
        team = org.teams[tid]
        for pid in sorted(m for m in set(team.members) if m in org.people and org.people[m].active):
            role = "manager" if pid in team.leads else "responder"
            bodies[f"team_memberships/{tid}/{pid}.json"] = ("PUT", f"/teams/{tid}/users/{pid}", {"role": role})
    for rid in sorted(org.rotations):
        rotation = org.rotations[rid]
        fields = _schedule_fields(rotation)
        layers = []
        for layer in fields["layers"]:
            body_layer = {key: value for key, value in layer.items() if key != "restrictions"}
            body_layer["users"] = [{"user": _ref(pid, "user_reference")} for pid in layer["users"]]
            if layer["restrictions"]:
                body_layer["restrictions"] = layer["restrictions"]
            layers.append(body_layer)
        bodies[f"schedules/{rid}.json"] = ("POST", "/schedules", {"schedule": {
            "type": "schedule", "name": fields["name"], "time_zone": fields["time_zone"],
            "description": fields["description"], "schedule_layers": layers}})
        overrides = _overrides(rotation, now)
        if overrides:
            bodies[f"schedule_overrides/{rid}.json"] = ("POST", f"/schedules/{rid}/overrides", {"overrides": [
                {"start": o["start"], "end": o["end"], "user": _ref(o["person"], "user_reference")}
                for o in overrides]})
    for eid in sorted(org.escalations):
        escalation = org.escalations[eid]
        policy: dict[str, Any] = {
            "type": "escalation_policy", "name": escalation.name or eid,
            "description": f"{MANAGED} (escalation {eid})", "num_loops": escalation.repeat,
            "escalation_rules": [
                {"escalation_delay_in_minutes": rule["delay"],
                 "targets": [_ref(ident, kind) for kind, ident in rule["targets"]]}
                for rule in _rule_fields(escalation)],
        }
        team = _escalation_team(org, escalation)
        if team:
            policy["teams"] = [_ref(team, "team_reference")]
        bodies[f"escalation_policies/{eid}.json"] = ("POST", "/escalation_policies", {"escalation_policy": policy})
    for sid in rendered_services(org):
        service = org.services[sid]
        body = {
            "type": "service", "name": service.name or sid,
            "description": service.description or f"{MANAGED} (service {sid}, tier {service.tier}, "
                                                   f"owner team {service.owner})",
            "escalation_policy": _ref(service.escalation or "", "escalation_policy_reference")}
        support, urgency = _service_hours(org, service)
        if support:
            body["support_hours"] = support
        body["incident_urgency_rule"] = urgency
        bodies[f"services/{sid}.json"] = ("POST", "/services", {"service": body})

    bodies = _address_existing(org, bodies)
    files = {rel: dumps(body) for rel, (_, _, body) in bodies.items()}
    files["manifest.json"] = dumps(_manifest(bodies))
    return files


# collection of a body -> (kind of the repository entity, type of a reference to it)
_ADDRESSED = {"users": ("people", "user_reference"), "teams": ("teams", "team_reference"),
              "schedules": ("rotations", "schedule_reference"),
              "escalation_policies": ("escalations", "escalation_policy_reference"),
              "services": ("services", "service_reference")}


def _known_ids(org: Org) -> dict[tuple[str, str], str]:
    """(collection, repository id) -> PagerDuty id, for entities that carry `pagerduty_id`."""
    known = {}
    for collection, (attribute, _) in _ADDRESSED.items():
        for ident, entity in getattr(org, attribute).items():
            if getattr(entity, "pagerduty_id", None):
                known[(collection, ident)] = entity.pagerduty_id
    return known


def _address_existing(org: Org, bodies: dict[str, tuple[str, str, Any]]) -> dict[str, tuple[str, str, Any]]:
    """Objects that already exist in PagerDuty (`pagerduty_id`, set by `import pagerduty`) are updated, not
    created: their body is a PUT to /<collection>/<PagerDuty id>, and every reference to them and every path
    naming them carries the PagerDuty id instead of the repository id."""
    known = _known_ids(org)
    if not known:
        return bodies
    by_type = {(_ADDRESSED[collection][1], ident): pd for (collection, ident), pd in known.items()}

    def swap(node: Any) -> Any:
        if isinstance(node, dict):
            if isinstance(node.get("type"), str) and (node["type"], node.get("id")) in by_type:
                return {**node, "id": by_type[(node["type"], node["id"])]}
            return {key: swap(value) for key, value in node.items()}
        if isinstance(node, list):
            return [swap(value) for value in node]
        return node

    out = {}
    for rel, (method, path, body) in bodies.items():
        collection = rel.split("/", 1)[0]
        ident = rel[len(collection) + 1:-len(".json")]
        parts = path.strip("/").split("/")
        # a path names objects as /collection/id[/collection/id]
        for i in range(0, len(parts) - 1, 2):
            pd = known.get((parts[i], parts[i + 1]))
            if pd:
                parts[i + 1] = pd
        if method == "POST" and (collection, ident) in known and len(parts) == 1:
            method, parts = "PUT", [collection, known[(collection, ident)]]
        out[rel] = (method, "/" + "/".join(parts), swap(body))
    return out


def _manifest(bodies: dict[str, tuple[str, str, Any]]) -> dict[str, Any]:
    def key(rel: str) -> tuple[int, str]:
        return ORDER.index(rel.split("/", 1)[0]), rel

    order = []
    for rel in sorted(bodies, key=key):
        method, path, _ = bodies[rel]
        collection = rel.split("/", 1)[0]
        ident = rel[len(collection) + 1:-len(".json")]
        order.append({"collection": collection, "id": ident, "file": rel, "method": method, "path": path})
    return {
        "about": "Create in this order. Ids in paths and references are repository ids: replace each with "
                 "the PagerDuty id returned when that object was created (see docs/render.md).",
        "order": order,
    }


# --- Terraform JSON for the pagerduty provider --------------------------------------------------
PROVIDER = {"terraform": {"required_providers": {"pagerduty": {
    "source": "PagerDuty/pagerduty", "version": ">= 3.0.0, < 4.0.0"}}}}


def _user_id(pid: str) -> str:
    return tf_ref("data", "pagerduty_user", tf_name(pid), "id")


def render_pagerduty_terraform(org: Org, now: datetime) -> dict[str, bytes]:
    """One `*.tf.json` per kind. Overrides have no resource in the provider: they are written beside as API
    bodies (render/pagerduty_overrides.py)."""
    users = {tf_name(pid): {"email": tf_literal(org.people[pid].email)} for pid in active_people(org)}
    teams: dict[str, Any] = {}
    memberships: dict[str, Any] = {}
    for tid in sorted(org.teams):
        team = org.teams[tid]
        teams[tf_name(tid)] = {"name": tf_literal(_check_name("team", tid, team.name)),
                               "description": tf_literal(_team_description(org, tid))}
        for pid in sorted(m for m in set(team.members) if m in org.people and org.people[m].active):
            memberships[tf_name(f"{tid}__{pid}")] = {
                "team_id": tf_ref("pagerduty_team", tf_name(tid), "id"), "user_id": _user_id(pid),
                "role": "manager" if pid in team.leads else "responder"}
    schedules: dict[str, Any] = {}
    for rid in sorted(org.rotations):
        fields = _schedule_fields(org.rotations[rid])
        layers = []
        for layer in fields["layers"]:
            block: dict[str, Any] = {
                "name": tf_literal(layer["name"]), "start": layer["start"],
                "rotation_virtual_start": layer["rotation_virtual_start"],
                "rotation_turn_length_seconds": layer["rotation_turn_length_seconds"],
                "users": [_user_id(pid) for pid in layer["users"]]}
            if layer["restrictions"]:
                block["restriction"] = layer["restrictions"]
            layers.append(block)
        schedules[tf_name(rid)] = {"name": tf_literal(fields["name"]), "time_zone": fields["time_zone"],
                                   "description": tf_literal(fields["description"]), "layer": layers}
    policies: dict[str, Any] = {}
    for eid in sorted(org.escalations):
        escalation = org.escalations[eid]
        policy: dict[str, Any] = {
            "name": tf_literal(escalation.name or eid), "description": f"{MANAGED} (escalation {eid})",
            "num_loops": escalation.repeat,
            "rule": [{"escalation_delay_in_minutes": rule["delay"], "target": [
                {"type": kind, "id": tf_ref("pagerduty_schedule", tf_name(ident), "id")
                 if kind == "schedule_reference" else _user_id(ident)} for kind, ident in rule["targets"]]}
                     for rule in _rule_fields(escalation)]}
        team = _escalation_team(org, escalation)
        if team:
            policy["teams"] = [tf_ref("pagerduty_team", tf_name(team), "id")]
        policies[tf_name(eid)] = policy
    services: dict[str, Any] = {}
    for sid in rendered_services(org):
        service = org.services[sid]
        services[tf_name(sid)] = {
            "name": tf_literal(service.name or sid),
            "description": tf_literal(service.description or f"{MANAGED} (service {sid}, tier {service.tier}, "
                                                             f"owner team {service.owner})"),
            "escalation_policy": tf_ref("pagerduty_escalation_policy", tf_name(service.escalation or ""), "id")}
        support, urgency = _service_hours(org, service)
        if support:
            services[tf_name(sid)]["support_hours"] = [support]
        services[tf_name(sid)]["incident_urgency_rule"] = [{
            key: [value] if isinstance(value, dict) else value for key, value in urgency.items()}]
    files: dict[str, Any] = {
        "versions.tf.json": PROVIDER,
        "users.tf.json": {"data": {"pagerduty_user": users}} if users else {},
        "teams.tf.json": {"resource": _nonempty({"pagerduty_team": teams, "pagerduty_team_membership": memberships})},
        "schedules.tf.json": {"resource": _nonempty({"pagerduty_schedule": schedules})},
        "escalation_policies.tf.json": {"resource": _nonempty({"pagerduty_escalation_policy": policies})},
        "services.tf.json": {"resource": _nonempty({"pagerduty_service": services})},
        "imports.tf.json": _imports(org),
    }
    from validator.render.pagerduty_overrides import terraform_overrides

    return {**{rel: dumps(body) for rel, body in files.items() if body and body != {"resource": {}}},
            **terraform_overrides(org, now)}


_TF_RESOURCES = {"teams": "pagerduty_team", "schedules": "pagerduty_schedule",
                 "escalation_policies": "pagerduty_escalation_policy", "services": "pagerduty_service"}


def _imports(org: Org) -> dict[str, Any]:
    """Terraform `import` blocks (Terraform 1.5+) for objects that already exist in PagerDuty (`pagerduty_id`):
    the first `terraform apply` adopts them instead of creating duplicates. Users are looked up by email."""
    rendered = {"services": set(rendered_services(org))}
    blocks = [{"to": f"{resource}.{tf_name(ident)}", "id": pd}
              for (collection, ident), pd in sorted(_known_ids(org).items())
              if (resource := _TF_RESOURCES.get(collection)) and ident in rendered.get(collection, {ident})]
    return {"import": blocks} if blocks else {}


def _nonempty(blocks: dict[str, Any]) -> dict[str, Any]:
    return {kind: body for kind, body in blocks.items() if body}
