"""Read tracking for the incremental engine: which rule, for which entity, read what.

Three things are tracked, each in its own *frame* (a `Reads`):

- a rule's **anchors**: a rule that checks entities one by one iterates them with `ctx.each(kind)`;
  what it reads while one is current, and the issues it yields then, belong to that entity. After
  an edit the rule runs again for the anchors whose reads changed (and for new or changed entities
  of its anchor kinds) only; the other anchors keep their issues.
- a rule's **global part**: what it reads outside `ctx.each`; when that changes the rule runs whole.
- **memos** (`ctx.memo`): kept across edits, each with the reads of its build. After an edit a memo
  whose reads changed is built again from its stored build function, when that function holds
  nothing but the Context and plain values, and compared with its old value: an equal value changes
  nothing downstream (early cut-off); a dict value changes only its keys whose values differ. A memo
  whose build holds entities (bound when it was made) is dropped instead, and whoever read it runs
  again. Entities a build holds are read by it.

Reads are ids looked up `(kind, id)` and kinds iterated; a memo read is `(MEMO, key)`, a dict memo's
item read `(("@", key), item)`. The published findings equal a cold `validate` of the same texts
(tests/test_lsp_incremental.py).
"""

from __future__ import annotations

import functools
import gc
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, is_dataclass
from types import FunctionType
from typing import Any

from validator.lsp.adapter import Context, Issue, Rule

MEMO = "@memo"


class Reads:
    """What one frame read: kinds it iterated (or looked at as a whole) and ids it looked up."""

    __slots__ = ("kinds", "ids")

    def __init__(self) -> None:
        self.kinds: set | None = None
        self.ids: set = set()

    def kind(self, kind: Any) -> None:
        if self.kinds is None:
            self.kinds = {kind}
        else:
            self.kinds.add(kind)

    def affected_by(self, changed: set) -> bool:
        kinds, ids = self.kinds, self.ids
        if not kinds:
            return not changed.isdisjoint(ids)
        return any(kind in kinds or (kind, ident) in ids for kind, ident in changed)


def without_gc(method: Callable) -> Callable:
    """Run a workspace update with the cyclic collector off, and freeze what it kept afterwards: the
    workspace holds millions of acyclic objects that every collection would scan again (as the cold
    engine does for a run). Objects are still freed when no longer referenced."""
    @functools.wraps(method)
    def run(*args, **kwargs):
        enabled = gc.isenabled()
        gc.disable()
        try:
            return method(*args, **kwargs)
        finally:
            if enabled:
                gc.freeze()
                gc.enable()

    return run


class _Current:
    frame: Reads | None = None  # the frame reading now, if any


current = _Current()


def read_kind(kind: Any) -> None:
    frame = current.frame
    if frame is not None:
        frame.kind(kind)


class TrackedDict(dict):
    """A collection of the organisation (or a dict memo) that tells the current frame what it reads."""

    __slots__ = ("kind",)

    def __init__(self, kind: Any):
        super().__init__()
        self.kind = kind

    def _all(self) -> None:
        frame = current.frame
        if frame is not None:
            frame.kind(self.kind)

    def _one(self, key) -> None:
        frame = current.frame
        if frame is not None:
            frame.ids.add((self.kind, key))

    def __getitem__(self, key):
        self._one(key)
        return dict.__getitem__(self, key)

    def get(self, key, default=None):
        self._one(key)
        return dict.get(self, key, default)

    def __contains__(self, key) -> bool:
        self._one(key)
        return dict.__contains__(self, key)

    def __iter__(self):
        self._all()
        return dict.__iter__(self)

    def __len__(self) -> int:
        self._all()
        return dict.__len__(self)

    def __bool__(self) -> bool:
        self._all()
        return dict.__len__(self) > 0

    def __reversed__(self):
        self._all()
        return dict.__reversed__(self)

    def keys(self):
        self._all()
        return dict.keys(self)

    def values(self):
        self._all()
        return dict.values(self)

    def items(self):
        self._all()
        return dict.items(self)

    def copy(self) -> dict:
        self._all()
        return dict(dict.items(self))

    def __eq__(self, other) -> bool:
        self._all()
        return dict.__eq__(self, other)

    def __or__(self, other):
        self._all()
        return dict(dict.items(self)) | other

    __hash__ = None  # type: ignore[assignment]


class TrackedBroken(dict):
    """`Org.broken` (kind -> ids that failed the model): reading a kind's set reads that kind."""

    KINDS: tuple[str, ...] = ()

    def _kind(self, kind) -> None:
        read_kind(kind)

    def __getitem__(self, key):
        self._kind(key)
        return dict.__getitem__(self, key)

    def get(self, key, default=None):
        self._kind(key)
        return dict.get(self, key, default)

    def __contains__(self, key) -> bool:
        self._kind(key)
        return dict.__contains__(self, key)

    def _every(self) -> None:
        for kind in self.KINDS:
            read_kind(kind)

    def __iter__(self):
        self._every()
        return dict.__iter__(self)

    def values(self):
        self._every()
        return dict.values(self)

    def items(self):
        self._every()
        return dict.items(self)

    def keys(self):
        self._every()
        return dict.keys(self)


class TrackedList(list):
    """`Org.absences`: any look at it reads the kind Absence."""

    def _all(self) -> None:
        read_kind("Absence")

    def __iter__(self):
        self._all()
        return list.__iter__(self)

    def __len__(self) -> int:
        self._all()
        return list.__len__(self)

    def __getitem__(self, index):
        self._all()
        return list.__getitem__(self, index)

    def __bool__(self) -> bool:
        self._all()
        return list.__len__(self) > 0


# --- memos ------------------------------------------------------------------------------------
_PLAIN = (str, int, float, bool, bytes, type(None))


def _held(value: Any, entities: list, depth: int = 0) -> bool:
    """Whether a build function can be called again later: it holds only the Context, plain values and
    functions that do. Entities it holds are appended to `entities` (the build reads them)."""
    if isinstance(value, _PLAIN) or isinstance(value, Context):
        return True
    if depth > 6:
        return False
    if isinstance(value, FunctionType):
        cells = value.__closure__ or ()
        ok = all(_held(cell.cell_contents, entities, depth + 1) for cell in cells if _filled(cell))
        defaults = value.__defaults__ or ()
        return all([_held(d, entities, depth + 1) for d in defaults]) and ok
    if is_dataclass(value) and hasattr(value, "ref") and hasattr(value, "kind"):
        entities.append(value)
        return False
    if isinstance(value, (tuple, list, set, frozenset)):
        return all([_held(item, entities, depth + 1) for item in value]) and isinstance(value, (tuple, frozenset))
    if isinstance(value, dict):
        for item in value.values():
            _held(item, entities, depth + 1)
        return False
    return False


def _filled(cell) -> bool:
    try:
        cell.cell_contents  # noqa: B018 - an empty cell raises
    except ValueError:
        return False
    return True


@dataclass
class Memo:
    value: Any
    reads: Reads
    build: Callable[[], Any] | None  # None: holds entities, dropped (not rebuilt) when its reads change
    deps: frozenset = frozenset()  # memo keys it read
    checked: int = 0  # the last refresh that looked at it


def _memo_deps(reads: Reads) -> frozenset:
    out = {ident for kind, ident in reads.ids if kind == MEMO}
    out.update(kind[1] for kind in reads.kinds or () if type(kind) is tuple)
    out.update(kind[1] for kind, _ in reads.ids if type(kind) is tuple)
    return frozenset(out)


def _entity_reads(reads: Reads) -> Iterator[tuple]:
    """The reads of entities (not of memos) in a memo's frame, as the reverse index keys them."""
    for read in reads.ids:
        if read[0] != MEMO and type(read[0]) is not tuple:
            yield read
    for kind in reads.kinds or ():
        if type(kind) is not tuple:
            yield ("*", kind)


def _anchor_read(entity) -> tuple[str, str]:
    kind = entity.kind
    return (kind, entity.ref.split(":", 1)[1]) if kind == "Absence" else (kind, entity.id)


class Index:
    """`Context.index` kept up to date entity by entity: each entity's pairs, and per key the count of
    each value (two entities may give the same pair)."""

    def __init__(self, name: str, kind: str, pairs: Callable, org) -> None:
        self.kind, self.pairs = kind, pairs
        self.tag = ("@", ("index", name))
        self.of: dict[str, list] = {}
        self.counts: dict[Any, dict[Any, int]] = {}
        self.view = TrackedDict(self.tag)
        for entity in dict.values(org.collection(kind)):
            self._add(entity.id, entity)
        for key, values in self.counts.items():
            dict.__setitem__(self.view, key, frozenset(values))

    def _add(self, ident: str, entity) -> set:
        frame, current.frame = current.frame, Reads()  # `pairs` reads its entity only: nothing is recorded
        try:
            given = list(self.pairs(entity))
        finally:
            current.frame = frame
        self.of[ident] = given
        for key, value in given:
            counts = self.counts.setdefault(key, {})
            counts[value] = counts.get(value, 0) + 1
        return {key for key, _ in given}

    def update(self, ident: str, entity) -> set:
        """The entity `ident` is now `entity` (None: gone): returns the keys whose values changed."""
        touched: set = set()
        for key, value in self.of.pop(ident, ()):
            counts = self.counts[key]
            counts[value] -= 1
            if not counts[value]:
                del counts[value]
            touched.add(key)
        if entity is not None:
            touched |= self._add(ident, entity)
        changed = set()
        for key in touched:
            counts = self.counts.get(key)
            values = frozenset(counts) if counts else None
            if values is None:
                self.counts.pop(key, None)
            if dict.get(self.view, key) != values:
                changed.add(key)
                if values is None:
                    dict.pop(self.view, key, None)
                else:
                    dict.__setitem__(self.view, key, values)
        return changed


class MemoStore:
    """The memos of the organisation, kept across edits (see the module's docstring)."""

    def __init__(self) -> None:
        self.memos: dict[Any, Memo] = {}
        self.dependents: dict[Any, set] = {}
        self.readers: dict[Any, set] = {}  # (kind, id) or ("*", kind) -> memo keys that read it
        self.indexes: dict[str, Index] = {}
        self.changed: set = set()
        self.revision = 0
        self.refreshing = False

    def index(self, name: str, kind: str, pairs: Callable, org) -> TrackedDict:
        found = self.indexes.get(name)
        if found is None:
            self._org = org
            found = self.indexes[name] = Index(name, kind, pairs, org)
        return found.view  # its items are read as they are read (no read of the index as a whole)

    def get(self, key: Any, build: Callable[[], Any]) -> Any:
        if self.refreshing:
            self._verify(key)
        memo = self.memos.get(key)
        if memo is None:
            memo = self._build(key, build)
        frame = current.frame
        if frame is not None:
            frame.ids.add((MEMO, key))  # a dict memo's items read are added as they are read
        return memo.value

    def _build(self, key: Any, build: Callable[[], Any]) -> Memo:
        entities: list = []
        rebuildable = _held(build, entities)
        frame = Reads()
        for entity in entities:
            frame.ids.add(_anchor_read(entity))
        parent, current.frame = current.frame, frame
        try:
            value = build()
        finally:
            current.frame = parent
        if type(value) is dict:
            tracked = TrackedDict(("@", key))
            dict.update(tracked, value)
            value = tracked
        self._forget(key)
        if not frame.kinds:
            frame.ids = tuple(frame.ids)  # read only from now on
        memo = self.memos[key] = Memo(value, frame, build if rebuildable else None, _memo_deps(frame))
        for dep in memo.deps:
            self.dependents.setdefault(dep, set()).add(key)
        readers = self.readers
        for read in _entity_reads(frame):
            found = readers.get(read)
            if found is None:
                readers[read] = {key}
            else:
                found.add(key)
        return memo

    def _forget(self, key: Any) -> None:
        old = self.memos.pop(key, None)
        if old is not None:
            for dep in old.deps:
                found = self.dependents.get(dep)
                if found is not None:
                    found.discard(key)
            for read in _entity_reads(old.reads):
                found = self.readers.get(read)
                if found is not None:
                    found.discard(key)

    def refresh(self, changed: set) -> set:
        """Bring the memos up to date with `changed` (entity changes); returns those plus the memo changes.

        The memos that read a changed entity are verified first; a memo whose value changed sends
        its dependents to be verified, and so on (an equal value stops there). Verifying a memo
        verifies what it read first, so a rebuild never reads a memo not yet brought up to date."""
        self.revision += 1
        self.changed = set(changed)
        self.pending: list = []
        for name, index in self.indexes.items():
            collection = index.kind
            for kind, ident in changed:
                if kind == collection:
                    keys = index.update(ident, dict.get(self._org.collection(kind), ident))
                    if keys:
                        self.changed.update((index.tag, key) for key in keys)
                        self.pending.extend(self.dependents.get(("index", name), ()))
        readers = self.readers
        for kind, ident in changed:
            self.pending.extend(readers.get((kind, ident), ()))
            self.pending.extend(readers.get(("*", kind), ()))
        self.refreshing = True
        try:
            while self.pending:
                self._verify(self.pending.pop())
        finally:
            self.refreshing = False
        return self.changed

    def _verify(self, key: Any) -> None:
        memo = self.memos.get(key)
        if memo is None or memo.checked == self.revision:
            return
        memo.checked = self.revision
        for dep in memo.deps:
            self._verify(dep)
        if not memo.reads.affected_by(self.changed):
            return
        before = len(self.changed)
        rebuilt = None
        if memo.build is not None:
            try:
                rebuilt = self._build(key, memo.build)
            except LookupError:  # it read an entity that is gone: whoever needs it asks again (or no longer)
                rebuilt = None
        if rebuilt is None:  # rebuilt by its next reader, who may be one that read it before
            self._forget(key)
            self.changed.add((MEMO, key))
        else:
            old = memo.value
            rebuilt.checked = self.revision
            new = rebuilt.value
            if type(old) is TrackedDict and type(new) is TrackedDict:
                kind = ("@", key)
                items = [item for item in dict.keys(old) | dict.keys(new)
                         if dict.get(old, item, _MISSING) != dict.get(new, item, _MISSING)]
                # those who read these items, and those who went through all of them
                self.changed.update((kind, item) for item in items)
            elif type(old) is not type(new) or old != new:
                self.changed.add((MEMO, key))
        if len(self.changed) != before:
            self.pending.extend(self.dependents.get(key, ()))


_MISSING = object()


# --- rules ------------------------------------------------------------------------------------
class Anchor:
    """What a rule read and found for one entity (its issues: None for none)."""

    __slots__ = ("reads", "issues", "self_read")

    def __init__(self, reads: Reads, self_read: tuple) -> None:
        self.reads = reads
        self.issues: list[Issue] | None = None
        self.self_read = self_read

    def worth_keeping(self) -> bool:
        """An anchor that found nothing and read only its own entity runs again when that entity changes
        (its kind is the rule's anchor kind): nothing of it needs keeping."""
        return bool(self.issues) or bool(self.reads.kinds) or len(self.reads.ids) > 1


@dataclass
class RuleState:
    """One rule's last results: its global part and its anchors, with an index of who read what."""

    glob: Reads
    issues: list[Issue]
    kinds: set[str]
    anchors: dict[str, Anchor]
    index: dict[Any, str | set[str]] = field(default_factory=dict)

    def add(self, ref: str, anchor: Anchor) -> None:
        if not anchor.worth_keeping():
            return
        reads = anchor.reads
        if not reads.kinds:  # read only from now on: a tuple takes a third of a set's memory
            reads.ids = tuple(reads.ids)
        self.anchors[ref] = anchor
        for key in reads.ids:
            if key != anchor.self_read:
                self._enter(key, ref)
        for kind in reads.kinds or ():
            self._enter(("*", kind), ref)

    def _enter(self, key: Any, ref: str) -> None:
        """The index holds one reader as the ref itself, several as a set (most keys have one)."""
        index = self.index
        found = index.get(key)
        if found is None:
            index[key] = ref
        elif type(found) is str:
            if found != ref:
                index[key] = {found, ref}
        else:
            found.add(ref)

    def _leave(self, key: Any, ref: str) -> None:
        index = self.index
        found = index.get(key)
        if found is None:
            return
        if type(found) is str:
            if found == ref:
                del index[key]
        else:
            found.discard(ref)

    def remove(self, ref: str) -> None:
        anchor = self.anchors.pop(ref, None)
        if anchor is None:
            return
        for key in anchor.reads.ids:
            self._leave(key, ref)
        for kind in anchor.reads.kinds or ():
            self._leave(("*", kind), ref)

    def dirty(self, changed: set, prefix_of: dict[str, str]) -> set[str]:
        index = self.index
        out: set[str] = set()
        for kind, ident in changed:
            for key in ((kind, ident), ("*", kind)):
                found = index.get(key)
                if found is None:
                    continue
                if type(found) is str:
                    out.add(found)
                else:
                    out |= found
            if kind in self.kinds:
                out.add(f"{prefix_of[kind]}:{ident}")
        return out

    def issues_all(self) -> Iterator[Issue]:
        yield from self.issues
        for anchor in self.anchors.values():
            if anchor.issues:
                yield from anchor.issues


class RuleRun:
    """One run of one rule: whole (`only` None) or for some anchors."""

    def __init__(self, org, only: set[str] | None) -> None:
        self.org = org
        self.only = only
        self.glob = Reads()
        self.issues: list[Issue] = []
        self.kinds: set[str] = set()
        self.anchors: dict[str, Anchor] = {}
        self.current: Anchor | None = None

    def each(self, kind: str) -> Iterator:
        if self.current is not None:
            raise RuntimeError("ctx.each inside ctx.each: a rule has one anchor at a time")
        self.kinds.add(kind)
        only = self.only
        if kind == "Absence":
            entities = [a for a in list.__iter__(self.org.absences) if only is None or a.ref in only]
        elif only is None:
            entities = list(dict.values(self.org.collection(kind)))
        else:  # the few anchors to check again, found by id
            collection, prefix = self.org.collection(kind), f"{kind.lower()}:"
            entities = [entity for ref in sorted(only) if ref.startswith(prefix)
                        for entity in (dict.get(collection, ref[len(prefix):]),) if entity is not None]
        for entity in entities:
            ref = entity.ref
            anchor = self.anchors.get(ref)
            if anchor is None:  # (a second `each` over the same kind in one rule: the same anchor)
                reads = Reads()
                self_read = _anchor_read(entity)
                reads.ids.add(self_read)
                anchor = self.anchors[ref] = Anchor(reads, self_read)
            self.current = anchor
            current.frame = anchor.reads
            yield entity
            self.current = None
            current.frame = self.glob
        self.current = None
        current.frame = self.glob

    def execute(self, rule: Rule, context: Context) -> None:
        assert rule.check is not None
        current.frame = self.glob
        try:
            for issue in rule.check(context):
                anchor = self.current
                if anchor is None:
                    self.issues.append(issue)
                elif anchor.issues is None:
                    anchor.issues = [issue]
                else:
                    anchor.issues.append(issue)
        finally:
            current.frame = None
            self.current = None


class TrackingContext(Context):
    """The rules' Context in the language server: memos kept across edits, anchors tracked."""

    keeps_memos = True

    def __init__(self, org, now, store: MemoStore) -> None:
        super().__init__(org, now)
        self._store = store
        self.run: RuleRun | None = None

    def memo(self, key, build):
        return self._store.get(key, build)

    def index(self, name, kind, pairs):
        return self._store.index(name, kind, pairs, self.org)

    def each(self, kind: str):
        if self.run is None:
            raise RuntimeError("ctx.each outside a rule")
        return self.run.each(kind)

    def reads_every(self, kind: str) -> None:
        read_kind(kind)

