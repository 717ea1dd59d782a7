"""The incremental engine behind `dutyguard lsp`: the validated organisation kept in memory.

- Every file is parsed on its own and keeps its raw entities, their models and its loader findings;
  an edit re-parses and re-models that file only.
- The organisation is merged from the files in repository order (the first definition of an id
  wins, later ones are SCH004, as in a cold run) and updated in place: only the ids whose winning
  entity changed (by value) count as changed. A change of positions only moves findings.
- The rules re-check one entity at a time and keep their memos and indexes across edits
  (validator/lsp/tracking.py): an edit runs a rule again for the anchors whose reads it changed. A
  Settings change or a new `now` runs every rule from scratch.

The published findings equal those of a cold `validate` of the same texts (tests/test_lsp_incremental.py).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from validator.lsp import adapter
from validator.lsp.adapter import Context, Finding, Org, Rule
from validator.lsp.tracking import (
    MemoStore,
    RuleRun,
    RuleState,
    TrackedBroken,
    TrackedDict,
    TrackedList,
    TrackingContext,
    without_gc,
)
from validator.model import duplicate_findings
from validator.model.kinds import default_settings

ROOTS = ("ownership", "policy")
KIND_OF_PREFIX = {"person": "Person", "team": "Team", "service": "Service", "rotation": "Rotation",
                  "escalation": "Escalation", "role": "Role", "grant": "Grant", "absence": "Absence"}
PREFIX_OF = {kind: prefix for prefix, kind in KIND_OF_PREFIX.items()}
TrackedBroken.KINDS = tuple(KIND_OF_PREFIX.values())
COLLECTION_OF = {"Person": "people", "Team": "teams", "Service": "services", "Rotation": "rotations",
                 "Escalation": "escalations", "Role": "roles", "Grant": "grants"}


# --- files and entities -----------------------------------------------------------------------
@dataclass
class Record:
    """One raw entity of a file, modelled."""

    ref: str | None
    entity: object | None
    source: object
    findings: list[Finding]
    broken: tuple[str, str] | None
    order: tuple
    unknown: frozenset = frozenset()  # fields that failed the model although the entity is kept (Org.partial)


@dataclass
class FileState:
    path: str
    data: bytes | None
    error: str | None
    loader_findings: list[Finding]
    records: list[Record]
    own: list[Finding] = field(default_factory=list)  # the loader's and the model's findings, together


def order_key(path: str) -> tuple:
    """Repository order, as `list_repo_files` walks: folder by folder, names sorted."""
    return tuple(path.split("/"))


def is_repo_yaml(path: str) -> bool:
    """Whether a repository-relative path is a file dutyguard reads."""
    parts = path.split("/")
    return (len(parts) >= 2 and parts[0] in ROOTS and path.endswith((".yaml", ".yml"))
            and not any(part.startswith(".") for part in parts))


def _rules_see_a_change(old: object | None, new: object | None) -> bool:
    """Whether the rules can see the difference between two versions of an entity: an entity that
    appears or goes, or a change in a field some rule reads (not only in `UNREAD_FIELDS`)."""
    if (old is None) != (new is None):
        return True
    if old is None or old == new:
        return False
    if type(old) is not type(new) or not dataclasses.is_dataclass(new):
        return True  # Settings (a model, not a kind) or a change of kind
    unread = adapter.UNREAD_FIELDS.get(getattr(new, "kind", ""), frozenset())
    return any(getattr(old, f.name) != getattr(new, f.name) for f in dataclasses.fields(new) if f.name not in unread)


@dataclass
class Update:
    """What one change did: the paths whose findings changed (to publish) and how much ran."""

    paths: set[str]
    rules_run: list[str]
    changed: set[tuple[str, str]]
    anchors: dict[str, int | None] = field(default_factory=dict)  # rule -> entities re-checked (None: all)


class Workspace:
    """The organisation of one repository, validated and kept up to date file by file."""

    def __init__(self, root: Path, now: datetime):
        self.root = Path(root)
        self.now = now
        self.rules: dict[str, Rule] = adapter.rules()
        self.checks = {rid: rule for rid, rule in sorted(self.rules.items()) if rule.check is not None}
        self.files: dict[str, FileState] = {}
        self.candidates: dict[str, list[Record]] = {}
        self.broken_count: dict[tuple[str, str], int] = {}
        self.org = self._empty_org()
        self.states: dict[str, RuleState] = {}  # rule id -> its last results and what they read
        self.store = MemoStore()
        self.context: Context = TrackingContext(self.org, now, self.store)
        self.findings: list[Finding] = []
        self.by_path: dict[str, list[Finding]] = {}

    # --- loading -------------------------------------------------------------------------------
    @without_gc
    def load(self, texts: dict[str, bytes] | None = None) -> Update:
        """Read every file of the repository (or `texts`, path -> bytes, instead of the disk) and validate."""
        if texts is None:
            for listed in adapter.list_files(self.root):
                source = adapter.read(self.root, listed)
                self._set_file(source.path, source.data, source.error)
        else:
            for path in sorted(texts, key=order_key):
                self._set_file(path, texts[path], None)
        for ref in list(self.candidates):
            self._settle(ref)
        self._rebuild_broken()
        self._rebuild_absences()
        return self._revalidate(None)

    def _empty_org(self) -> Org:
        org = Org()
        for kind, name in COLLECTION_OF.items():
            setattr(org, name, TrackedDict(kind))
        org.absences = TrackedList()
        org.broken = TrackedBroken()
        return org

    def _set_file(self, path: str, data: bytes | None, error: str | None) -> set[str]:
        """Parse and model one file; returns the refs it had or has (not settled yet)."""
        touched: set[str] = set()
        old = self.files.pop(path, None)
        if old is not None:
            for record in old.records:
                if record.ref is not None:
                    self.candidates[record.ref].remove(record)
                    touched.add(record.ref)
                if record.broken is not None:
                    self.broken_count[record.broken] -= 1
        if data is None and error is None:  # the file is gone
            return touched
        loaded = adapter.parse(path, data, error)
        fkey = order_key(path)
        records = []
        for index, raw in enumerate(loaded.entities):
            ref, entity, findings, broken = adapter.model_one(raw)
            unknown = adapter.unknown_fields(raw) if findings and entity is not None else frozenset()
            record = Record(ref, entity, raw.source, findings, broken, (fkey, index), unknown)
            records.append(record)
            if ref is not None:
                bucket = self.candidates.setdefault(ref, [])
                bucket.append(record)
                bucket.sort(key=lambda r: r.order)
                touched.add(ref)
            if broken is not None:
                self.broken_count[broken] = self.broken_count.get(broken, 0) + 1
        own = list(loaded.findings)
        for record in records:
            own.extend(record.findings)
        self.files[path] = FileState(path, data, error, loaded.findings, records, own)
        return touched

    def _settle(self, ref: str) -> tuple[bool, bool]:
        """Put the winner of `ref` into the organisation: (value changed, position changed)."""
        org = self.org
        bucket = self.candidates.get(ref) or []
        winner = bucket[0] if bucket else None
        old_source = org.sources.get(ref)
        if ref == "settings":
            old = org.settings if org.settings_declared else None
            org.settings = winner.entity if winner else default_settings()
            org.settings_declared = winner is not None
            new = winner.entity if winner else None
        elif ref.startswith("absence:"):
            old = self._absence_of(ref)
            new = winner.entity if winner else None
        else:
            prefix, ident = ref.split(":", 1)
            collection = getattr(org, COLLECTION_OF[KIND_OF_PREFIX[prefix]])
            old = dict.get(collection, ident)
            new = winner.entity if winner else None
            if new is None:
                dict.pop(collection, ident, None)
            else:
                dict.__setitem__(collection, ident, new)
        if winner is not None and winner.unknown:
            org.partial[ref] = winner.unknown
        else:
            org.partial.pop(ref, None)
        if winner is None:
            org.sources.pop(ref, None)
            if not bucket:
                self.candidates.pop(ref, None)
        else:
            org.sources[ref] = winner.source
        new_source = winner.source if winner else None
        return _rules_see_a_change(old, new), old_source is not new_source

    def _absence_of(self, ref: str):
        for absence in list.__iter__(self.org.absences):
            if absence.ref == ref:
                return absence
        return None

    def _rebuild_absences(self) -> None:
        winners = sorted((bucket[0] for ref, bucket in self.candidates.items()
                          if ref.startswith("absence:") and bucket), key=lambda r: r.order)
        absences = self.org.absences
        list.clear(absences)
        list.extend(absences, (r.entity for r in winners))

    def _rebuild_broken(self) -> set[tuple[str, str]]:
        """org.broken from the counts; returns the (kind, id) whose brokenness changed."""
        broken = self.org.broken
        before = {(kind, ident) for kind, ids in dict.items(broken) for ident in ids}
        after = {key for key, n in self.broken_count.items() if n > 0}
        dict.clear(broken)
        for kind, ident in sorted(after):
            dict.setdefault(broken, kind, set()).add(ident)
        return before ^ after

    # --- changes -------------------------------------------------------------------------------
    def set_text(self, path: str, data: bytes | None, error: str | None = None) -> Update:
        """A file's new content (None: deleted); re-checks what it can affect."""
        return self.set_texts({path: (data, error)})

    @without_gc
    def set_texts(self, changes: dict[str, tuple[bytes | None, str | None]]) -> Update:
        touched: set[str] = set()
        for path, (data, error) in changes.items():
            if not is_repo_yaml(path):
                continue
            old = self.files.get(path)
            if old is not None and old.data == data and old.error == error:
                continue
            touched |= self._set_file(path, data, error)
        changed: set[tuple[str, str]] = set()
        settings = False
        absences = False
        for ref in touched:
            value, _ = self._settle(ref)
            if not value:
                continue
            if ref == "settings":
                settings = True
                continue
            prefix, ident = ref.split(":", 1)
            changed.add((KIND_OF_PREFIX[prefix], ident))
            absences |= prefix == "absence"
        if absences:
            self._rebuild_absences()
        changed |= self._rebuild_broken()
        return self._revalidate(None if settings else changed)

    def reread(self, paths: Iterable[str], keep: set[str] = frozenset()) -> Update:  # type: ignore[assignment]
        """Files changed on disk (a save elsewhere, a `git checkout`): read them again, except `keep`
        (open in the editor, whose text wins). A path that no longer exists is removed."""
        changes: dict[str, tuple[bytes | None, str | None]] = {}
        wanted = [path for path in paths if path not in keep and is_repo_yaml(path)]
        if not wanted:
            return self.set_texts(changes)
        # listed once (links and limits checked as in a cold run), however many files a checkout changed
        listing = {item.path: item for item in adapter.list_files(self.root)}
        for path in wanted:
            full = self.root / path
            if not os.path.lexists(full):
                changes[path] = (None, None)
                continue
            listed = listing.get(path)
            if listed is None:
                changes[path] = (None, None)
                continue
            source = adapter.read(self.root, listed)
            changes[path] = (source.data, source.error)
        return self.set_texts(changes)

    @without_gc
    def set_now(self, now: datetime) -> Update:
        self.now = now
        return self._revalidate(None)

    # --- rules ---------------------------------------------------------------------------------
    def _revalidate(self, changed: set[tuple[str, str]] | None) -> Update:
        """Run the rules, for the anchors, that `changed` can affect (None: everything, from scratch);
        collect and finish the findings."""
        if changed is None:  # a new clock or new Settings: nothing kept is known to hold
            self.store = MemoStore()
            self.context = TrackingContext(self.org, self.now, self.store)
            self.states = {}
            marks: set = set()
        else:
            marks = self.store.refresh(changed)
        run = []
        anchors: dict[str, int | None] = {}
        context = self.context
        for rid, rule in self.checks.items():
            state = self.states.get(rid)
            if state is None or state.glob.affected_by(marks):
                only = None
            else:
                only = state.dirty(marks, PREFIX_OF)
                if not only:
                    continue
            job = RuleRun(self.org, only)
            context.run = job
            try:
                job.execute(rule, context)
            finally:
                context.run = None
            if only is None:
                state = self.states[rid] = RuleState(job.glob, job.issues, job.kinds, {})
                for ref, anchor in job.anchors.items():
                    state.add(ref, anchor)
            else:
                state.glob, state.issues = job.glob, job.issues
                state.kinds |= job.kinds
                for ref in only:
                    state.remove(ref)
                for ref, anchor in job.anchors.items():
                    state.add(ref, anchor)
            run.append(rid)
            anchors[rid] = None if only is None else len(only)
        findings = self._gather()
        findings = adapter.finish(findings, context, self.rules)
        by_path: dict[str, list[Finding]] = {}
        for finding in findings:
            by_path.setdefault(finding.path, []).append(finding)
        paths = {path for path in set(by_path) | set(self.by_path) if by_path.get(path) != self.by_path.get(path)}
        self.findings, self.by_path = findings, by_path
        return Update(paths, run, changed or set(), anchors)

    def _gather(self) -> list[Finding]:
        out: list[Finding] = []
        for state in self.files.values():
            out.extend(state.own)
        for ref, bucket in self.candidates.items():
            if len(bucket) > 1:
                out.extend(duplicate_findings(ref, [r.source for r in bucket]))
        sources, partial = self.org.sources, self.org.partial
        for rid, state in self.states.items():
            rule = self.rules[rid]
            for issue in state.issues_all():
                finding = adapter.to_finding(rule, issue, sources, partial)
                if finding is not None:
                    out.append(finding)
        return out

    # --- questions -----------------------------------------------------------------------------
    def texts(self) -> dict[str, bytes]:
        return {path: state.data for path, state in self.files.items() if state.data is not None}

    def records_in(self, path: str) -> list[Record]:
        state = self.files.get(path)
        return state.records if state else []


