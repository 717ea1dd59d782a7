"""The rule registry: every rule is a small function yielding `Issue`s, with its metadata.

A rule never parses YAML and never knows positions: it names the entity (and the field) at
fault, and the engine looks the line up in the side table.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from validator.rules.context import Context


@dataclass(frozen=True, slots=True)
class Issue:
    """What a rule reports: the entity at fault, a message, and optionally the field.

    `at` names another entity whose position should be used (e.g. the grant, when the
    finding is about the person it grants to).
    """

    entity: str
    message: str
    field: tuple = ()
    at: str | None = None
    severity: str | None = None  # a rule may raise or lower its own default for one finding
    subject: str = ""  # the finding's subject (SPEC §3): what inside the entity is wrong, stable across runs


Check = Callable[["Context"], Iterator[Issue]]


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    title: str
    check: Check | None
    topic: str
    doc: str = field(default="")

    @property
    def rationale(self) -> str:
        return self.doc


RULES: dict[str, Rule] = {}

UNREAD_FIELDS: dict[str, frozenset[str]] = {
    "Person": frozenset({"name", "email", "pagerduty_id"}),
    "Team": frozenset({"name", "pagerduty_id"}),
    "Service": frozenset({"name", "description", "paths", "pagerduty_id"}),
    "Rotation": frozenset({"name", "pagerduty_id"}),
    "Escalation": frozenset({"name", "pagerduty_id"}),
    "Role": frozenset({"name", "description"}),
    "Grant": frozenset({"reason"}),
}
"""Fields of each kind that describe an entity to people and to the renders but that no rule reads:
an edit of only these cannot change a rule's findings, so the language server re-runs no rule for it
(the kinds' own checks of the field still run). tests/test_rules_unread_fields.py proves that changing
them in every entity of an organisation leaves every rule's issues as they were; a rule that starts to
read one of these fields must take it out of this table."""


def rule(rule_id: str, severity: str, title: str) -> Callable[[Check], Check]:
    """Register a rule function. Its docstring is its documentation (`dutyguard explain`)."""

    def register(check: Check) -> Check:
        topic = check.__module__.rsplit(".", 1)[-1]
        RULES[rule_id] = Rule(rule_id, severity, title, check, topic, inspect.cleandoc(check.__doc__ or ""))
        return check

    return register


def document(rule_id: str, severity: str, title: str, doc: str, topic: str) -> None:
    """Register a rule whose findings another stage produces (the loader, the model)."""
    RULES[rule_id] = Rule(rule_id, severity, title, None, topic, inspect.cleandoc(doc))


def load_all() -> dict[str, Rule]:
    """Import every rule module (each registers itself) and return the registry."""
    from validator.rules import access, escalation, ownership, rotation, schema, waivers  # noqa: F401

    return RULES
