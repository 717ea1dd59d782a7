"""Which entity an id in a document names, and what the editor is offered there (in-process)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from validator.lsp import features
from validator.lsp.workspace import Workspace

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)
BLOCK = """kind: Team
id: ops
name: Ops
members:
  - erin
  - victor
leads: [erin]
parent: engineering
"""


@pytest.fixture(scope="module")
def ws() -> Workspace:
    workspace = Workspace(ROOT, NOW)
    workspace.load()
    workspace.set_text("ownership/teams/ops.yaml", BLOCK.encode())
    return workspace


def at(ws, path: str, text: str, needle: str, offset: int = 0):
    for number, line in enumerate(text.split("\n")):
        if needle in line:
            return features.target_at(ws, path, text, number, line.index(needle) + offset)
    raise AssertionError(needle)


def test_ids_in_block_lists_flow_lists_and_prefixed_refs_name_their_kind(ws) -> None:
    found = at(ws, "ownership/teams/ops.yaml", BLOCK, "- victor", 3)
    assert (found.kind, found.ident) == ("Person", "victor")
    found = at(ws, "ownership/teams/ops.yaml", BLOCK, "parent: engineering", 9)
    assert (found.kind, found.ident) == ("Team", "engineering")
    found = at(ws, "ownership/teams/ops.yaml", BLOCK, "id: ops", 4)
    assert (found.kind, found.ident, found.field) == ("Team", "ops", "id")
    grants = (ROOT / "policy/grants/grants.yaml").read_text()
    found = at(ws, "policy/grants/grants.yaml", grants, "to: [team:payments]", 6)
    assert (found.kind, found.ident) == ("Team", "payments")
    services = (ROOT / "ownership/services/commerce.yaml").read_text()
    found = at(ws, "ownership/services/commerce.yaml", services, "depends_on: [ledger, identity-api]", 23)
    assert (found.kind, found.ident) == ("Service", "identity-api")
    assert at(ws, "ownership/services/commerce.yaml", services, "name: Checkout API", 7) is None  # free text


def test_definition_and_references_of_a_team(ws) -> None:
    target = at(ws, "ownership/teams/ops.yaml", BLOCK, "parent: engineering", 9)
    path, line, _ = features.definition(ws, target)
    assert (ROOT / path).read_text().split("\n")[line].strip().endswith("id: engineering")
    places = features.references(ws, target)
    assert ("ownership/teams/ops.yaml", 7, 8, 19) in places
    assert any(p == path and n == line for p, n, _, _ in places)  # the declaration itself
    assert not any(p == path and n == line for p, n, _, _ in features.references(ws, target, False))


def test_hover_on_a_team_a_service_and_an_unknown_id(ws) -> None:
    text = features.hover(ws, at(ws, "ownership/teams/ops.yaml", BLOCK, "parent: engineering", 9))
    assert "team:engineering" in text and "Members:" in text
    unknown = "kind: Service\nid: s\nowner: nobody-here\n"
    assert "not defined" in features.hover(ws, at(ws, "ownership/services/x.yaml", unknown, "nobody-here"))


def test_completion_of_people_fields_and_kinds(ws) -> None:
    text = "kind: Team\nid: t\nmembers:\n  - vi\n"
    labels = [c.label for c in features.completions(ws, "ownership/teams/t.yaml", text, 3, 6)]
    assert labels == ["victor"]
    text = "kind: Grant\nid: g\nto: [person:"
    labels = [c.label for c in features.completions(ws, "policy/grants/g.yaml", text, 2, len("to: [person:"))]
    assert labels and all(label.startswith("person:") for label in labels)
    text = "kind: Rotation\nid: r\nlay"
    assert [c.label for c in features.completions(ws, "ownership/rotations/r.yaml", text, 2, 3)] == ["layers"]
    text = "- kind: Gr"
    assert [c.label for c in features.completions(ws, "policy/grants/g.yaml", text, 0, len(text))] == ["Grant"]


def test_hover_on_a_role_and_an_escalation(ws) -> None:
    role = features.hover(ws, features.Target("entity", "Role", "checkout-deploy", "role", 0, 0))
    assert "Risk: production, write" in role and "Holders:" in role and "alice" in role
    escalation = features.hover(ws, features.Target("entity", "Escalation", "payments-critical", "escalation", 0, 0))
    assert "1. rotation:payments-primary" in escalation and "checkout-api" in escalation
