"""What every rule reads: the organisation, the clock, and shared indexes built once."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar

from validator.model import Org
from validator.model.kinds import Settings
from validator.model.types import end_of  # the rules import it from here too

T = TypeVar("T")


@dataclass
class Context:
    org: Org
    now: datetime
    _memo: dict[str, Any] = field(default_factory=dict)
    _expired: dict[date | datetime, bool] = field(default_factory=dict)  # few distinct dates, many grants

    @property
    def settings(self) -> Settings:
        return self.org.settings

    def memo(self, key: str, build: Callable[[], T]) -> T:
        """Build a shared result once per run; rule modules namespace their keys ('oncall.x', or a tuple
        ('oncall.timeline', rotation_id, ...)). `build` finds everything it needs through this Context:
        what it holds from its caller is only its key (ids, numbers), so that the language server can
        build it again when what it read changes (validator/lsp/tracking.py)."""
        try:
            return self._memo[key]
        except KeyError:
            value = self._memo[key] = build()
            return value

    def each(self, kind: str) -> Iterable[Any]:
        """The entities of `kind` a rule checks one by one: its *anchors*. A rule that iterates them with
        `each` yields each anchor's issues while that anchor is current, so that the language server can
        check one entity again after an edit, without the others (validator/lsp/tracking.py)."""
        return self.org.absences if kind == "Absence" else self.org.collection(kind).values()

    def index(self, name: str, kind: str, pairs: Callable[[Any], Iterable[tuple[Any, Any]]]) -> dict[Any, frozenset]:
        """An index over the entities of `kind`: key -> the values they give it, each entity giving
        `pairs(entity)`. `pairs` reads its entity only (nothing of the organisation, no clock), so that
        the language server keeps the index up to date entity by entity instead of building it again."""
        def build() -> dict[Any, frozenset]:
            out: dict[Any, set] = {}
            for entity in self.org.collection(kind).values():
                for key, value in pairs(entity):
                    found = out.get(key)
                    if found is None:
                        out[key] = {value}
                    else:
                        found.add(value)
            return {key: frozenset(values) for key, values in out.items()}

        return self.memo(("index", name), build)

    keeps_memos = False
    """Whether memos outlive this run (the language server keeps them across edits, see
    validator/lsp/tracking.py): a memo that caches what it did not read itself must then forget it."""

    def reads_every(self, kind: str) -> None:
        """Say that what is being built will read entities of `kind` later, lazily (the access model's
        role views): the language server's read tracking counts it read now. Nothing to do here."""

    # --- indexes used by several topics -------------------------------------------------
    def is_active(self, person_id: str) -> bool:
        return person_id in self.active_people()

    def active_people(self) -> frozenset[str]:
        """The ids of the active people (built once per run)."""
        return self.memo("core.active_people",
                         lambda: frozenset(ident for ident, person in self.org.people.items() if person.active))

    def active_members(self, team_id: str) -> list[str]:
        team = self.org.teams.get(team_id)
        if team is None:
            return []
        active = self.active_people()
        return [m for m in team.members if m in active]

    def services_by_owner(self) -> dict[str, frozenset[str]]:
        """Team id -> the ids of the services it owns."""
        return self.index("services_by_owner", "Service", _owner)

    def expired(self, expires: date | datetime | None) -> bool:
        """Whether `expires` has passed at `now` (a date lasts to the end of its day): a pure function of
        the date and the clock, so it reads nothing of the organisation."""
        try:
            return self._expired[expires]
        except KeyError:
            found = self._expired[expires] = expires is not None and end_of(expires) <= self.now
            return found


def _owner(service) -> tuple[tuple[str, str]]:
    return ((service.owner, service.id),)
