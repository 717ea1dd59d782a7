"""The grant index the ACC rules share: each list is exactly its definition, in the grants' order."""

from __future__ import annotations

from tests.test_access_graph import ECS, NOW, allow, grant, org_of, role
from validator.graph.access import grant_paths
from validator.rules.access import grant_index, self_approval
from validator.rules.context import Context

ORG = (role("deploy", allow("[ecs:UpdateService]", ECS))
       + role("stage", allow("[ecs:UpdateService]", ECS), env="staging")
       + role("glass", allow('["*"]', '["*"]'), extra="  break_glass: true\n")
       + grant("team-deploy", "deploy", "[team:payments]")
       + grant("old", "deploy", "[person:alice]", ", expires: 2026-11-22")
       + grant("today", "deploy", "[person:bob]", ", expires: 2026-11-23")
       + grant("ghost", "missing", "[person:eve]", ", expires: 2020-01-01")
       + grant("both", "stage", "[person:eve, team:payments]")
       + grant("incident", "glass", "[person:eve]", ", expires: 2026-11-23T13:00:00Z")
       + grant("gone-incident", "glass", "[person:eve]", ", expires: 2026-11-23T11:00:00Z"))


def test_the_live_grants_of_the_index_are_its_definition_in_order():
    org = org_of(ORG)
    ctx = Context(org, NOW)
    index = grant_index(ctx)
    assert [g.id for g, _ in index.live] == ["team-deploy", "today", "both", "incident"]
    assert [(g.id, r.id) for g, r in index.live] == [
        (g.id, g.role) for g in org.grants.values() if g.role in org.roles and not ctx.expired(g.expires)]
    assert grant_index(ctx) is index  # built once per run


def test_grant_paths_from_the_index_equal_those_it_finds_itself():
    org = org_of(ORG)
    live = [g for g, _ in grant_index(Context(org, NOW)).live]
    assert grant_paths(org, NOW, live=live) == grant_paths(org, NOW)
    assert [item.grant.id for item in grant_paths(org, NOW)] == ["team-deploy", "today", "both", "incident"]


def test_acc006_approver_among_several_principals_active_or_not():
    org = org_of(role("stage", allow("[ecs:UpdateService]", ECS), env="staging")
                 + "- {kind: Grant, id: a, role: stage, to: [person:eve, team:payments], reason: r,"
                   " approved_by: [gone, eve, bob]}\n"
                 + "- {kind: Grant, id: b, role: stage, to: [team:payments], reason: r, approved_by: [alice]}\n"
                 + "- {kind: Grant, id: c, role: stage, to: [team:nobody], reason: r, approved_by: [alice]}\n")
    found = [(issue.entity, issue.field) for issue in self_approval(Context(org, NOW))]
    assert found == [("grant:a", ("approved_by", 0)), ("grant:a", ("approved_by", 1)),
                     ("grant:b", ("approved_by", 0))]


def test_reached_roles_are_the_roles_of_the_grant_paths():
    org = org_of(ORG + role("bridge", allow("[sts:AssumeRole]", '["arn:aws:iam::123456789012:role/stage"]'))
                 + role("lonely", allow("[ecs:UpdateService]", ECS))
                 + grant("bridge-gone", "bridge", "[person:gone]")
                 + grant("bridge-bob", "bridge", "[person:gone, team:commerce]"))
    from validator.graph.access import reached_roles

    expected = {path[0] for item in grant_paths(org, NOW) for path in item.paths}
    assert reached_roles(org, NOW) == expected
    assert expected == {"deploy", "stage", "glass", "bridge", "lonely"}  # glass ('*' on '*') may assume lonely
    live = [g for g in org.grants.values() if g.id in ("bridge-gone", "team-deploy")]
    assert reached_roles(org, NOW, live=live) == {"deploy"}  # bridge only through an inactive person
