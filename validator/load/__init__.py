"""load: files -> entities (plain dicts) with a position for every node, and loader findings.

Nothing downstream parses YAML. Each file is read by the fast tier (`load/fast.py`: yaml-rs values,
positions from libyaml only when a finding asks) or, when the fast tier declines it, by the
reference parser (`load/reference.py`: every position, every loader finding). Positions live in
`Source` objects, a side table keyed by entity, never inside the model.

`parse_text` reads one file's text; `load_sources` files already read; `load_repo` a repository
on disk. One process, one pass: the helper processes and the parse cache were measured not to pay
(benchmarks/RESULTS.md).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path

from validator.findings import Finding, one_line
from validator.load import fast, reference
from validator.load.files import SourceFile, decode, list_repo_files, read_listed
from validator.load.reference import ParseResult

__all__ = ["Source", "RawEntity", "LoadResult", "load_repo", "load_sources", "parse_text", "SourceFile"]

MAX_ENTITIES = 500_000  # about 7x the 20,000-person benchmark organisation


@dataclass(slots=True, eq=False)
class Source:
    """Where an entity stands: its file, and the positions of its fields (a dict from the reference
    parser, or the fast tier's `Positions`, computed when first asked for). Not changed once made
    (not frozen: a frozen dataclass costs twice as much to make, and a run makes one per entity)."""

    path: str
    positions: dict | fast.Positions
    prefix: tuple = ()

    @property
    def line(self) -> int:
        return self.positions.get(self.prefix, (1, 1))[0]

    def position(self, field_path: tuple = ()) -> tuple[int, int]:
        """Line and column of `field_path` inside the entity, or of its closest parent."""
        path = (*self.prefix, *field_path)
        for end in range(len(path), -1, -1):
            found = self.positions.get(path[:end])
            if found is not None:
                return found
        return (1, 1)

    def line_of(self, field_path: tuple = ()) -> int:
        return self.position(field_path)[0]


@dataclass(slots=True)
class RawEntity:
    """A mapping that claims to be an entity, before the model checks it."""

    data: dict
    source: Source


@dataclass
class LoadResult:
    entities: list[RawEntity] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    nodes: int = 0  # YAML values built so far, against reference.MAX_NODES
    full: bool = False  # MAX_ENTITIES reached: the rest is not kept


def load_repo(root: Path, parses: dict[str, ParseResult] | None = None) -> LoadResult:
    """Read every YAML file of the repository at `root` (listed by `list_repo_files`, then read one
    by one, so that at most one file's bytes are held at a time)."""
    folder = os.fspath(root)  # joined with every file's name: a str, not a Path, for speed
    return load_sources((read_listed(folder, item) for item in list_repo_files(folder)), parses)


def load_sources(sources: Iterable[SourceFile], parses: dict[str, ParseResult] | None = None) -> LoadResult:
    """Parse already-read files (from disk or from a git tree); one bad file never stops the rest.

    `parses`: text -> its parse, filled and reused within one process (`diff` loads two states of one
    repository: the head's unchanged files are not parsed again). Keyed by the whole text, in memory
    only, so that it can never answer for other bytes."""
    result = LoadResult()
    for source in sources:
        result.files.append(source.path)
        _load_one(source, result, parses)
    return result


def parse_text(text: str, max_nodes: int = reference.MAX_NODES) -> ParseResult:
    """One file's documents, values and positions, and its loader problems (at most `max_nodes`
    values): the fast tier when it accepts the file, else the reference parser."""
    parsed = fast.parse(text, max_nodes)
    return parsed if parsed is not None else reference.parse(text, max_nodes)


def _load_one(source: SourceFile, result: LoadResult, parses: dict[str, ParseResult] | None) -> None:
    """Load one file into `result` (its parse from `parses` when the same text was parsed before)."""
    text, error = (None, source.error) if source.error is not None else decode(source.data or b"")
    if text is None:  # unreadable, too large, not UTF-8, ...
        result.findings.append(Finding("SCH007", "error", source.path, 1, f"file:{source.path}",
                                       f"{source.path}: {error}"))
        return
    budget = reference.MAX_NODES - result.nodes
    if budget <= 0:
        return  # the file that exhausted the budget already has its SCH007 finding
    parsed = parses.get(text) if parses is not None else None
    if parsed is None or parsed.nodes > budget:
        parsed = parse_text(text, budget)
        if parses is not None:
            parses[text] = parsed
    result.nodes += parsed.nodes
    for problem in parsed.problems:
        file_entity = f"file:{source.path}"
        entity, subject = file_entity, ""
        if problem.path is not None:  # SCH002: the entity the duplicated key is in, and the key's field path
            entity, subject = _entity_and_field(parsed.values, problem.document, problem.path, file_entity)
        result.findings.append(Finding(problem.rule, "error", source.path, problem.line, entity,
                                       one_line(problem.message), problem.column, subject))
    values, entities = parsed.values, result.entities
    if {*map(type, values)} == {dict} and not result.full and len(entities) + len(values) <= MAX_ENTITIES:
        entities += map(RawEntity, values, map(Source, repeat(source.path), parsed.positions))  # one per document
        return
    for index, (value, positions) in enumerate(zip(values, parsed.positions, strict=True)):
        _entities_of(value, positions, index, source.path, result)


def _entity_and_field(documents: list, index: int, path: tuple, file_entity: str) -> tuple[str, str]:
    """The entity holding `path` of document `index` (`kind:id` as the model names it) and the path inside
    it (`layers.0.turn`): a finding's identity that survives moving the entity or adding lines above it.
    `file:<path>` with the path from the document's top when no entity can be named."""
    document = documents[index] if index < len(documents) else None
    item, inner = document, path
    if isinstance(document, list) and path and isinstance(path[0], int) and path[0] < len(document):
        item, inner = document[path[0]], path[1:]
    ref = _ref_of(item) if inner != path or isinstance(document, dict) else None
    if ref is None:
        return file_entity, (f"{index}:" if index else "") + ".".join(str(part) for part in path)
    return ref, ".".join(str(part) for part in inner)


def _ref_of(data: object) -> str | None:
    """The ref the model gives an entity (`service:checkout-api`, `settings`, `absence:<person>/<from>`)."""
    kind = data.get("kind") if isinstance(data, dict) else None
    if not isinstance(kind, str):
        return None
    if kind in ("Settings", "Absence"):
        return "settings" if kind == "Settings" else f"absence:{data.get('person')}/{data.get('from')}"
    ident = data.get("id")
    return f"{kind.lower()}:{ident}" if isinstance(ident, str) else None


def _entities_of(value: object, positions: dict | fast.Positions, index: int, path: str, result: LoadResult) -> None:
    """The entities of document `index` of a file (a mapping, or a list of them), or SCH003 findings."""
    entities = result.entities
    if value is None or result.full:
        return
    if value.__class__ is dict and len(entities) < MAX_ENTITIES:  # the common case first (tens of thousands)
        entities.append(RawEntity(value, Source(path, positions)))
        return
    if value.__class__ is not dict and value.__class__ is not list:
        result.findings.append(Finding(
            "SCH003", "error", path, positions.get((), (1, 1))[0], f"file:{path}",
            f"document is a {_type_name(value)}, not an entity: write a mapping with a 'kind', "
            "or a list of them", subject=_document_path(index)))
        return
    items, prefixes = (value, zip(range(len(value)))) if value.__class__ is list else ([value], [()])  # (0,), ...
    if len(entities) + len(items) <= MAX_ENTITIES and {*map(type, items)} <= {dict}:  # iterated in C
        entities += map(RawEntity, items, map(Source, repeat(path), repeat(positions), prefixes))
        return
    for i, (item, prefix) in enumerate(zip(items, prefixes, strict=True)):
        source = Source(path, positions, prefix)
        if not isinstance(item, dict):
            result.findings.append(Finding(
                "SCH003", "error", path, source.line, f"file:{path}",
                f"item {i + 1} of the list is a {_type_name(item)}, not an entity: "
                "each item must be a mapping with a 'kind'", subject=_document_path(index, i)))
        elif len(entities) < MAX_ENTITIES:
            entities.append(RawEntity(item, source))
        else:  # the first one over the limit: an SCH007 finding (its line is looked up only then)
            result.full = True
            result.findings.append(Finding("SCH007", "error", path, source.line, f"file:{path}",
                                           f"more than {MAX_ENTITIES:,} entities in the repository: the rest is "
                                           "not read; split the repository", subject="entities"))
            return


def _document_path(index: int, *path: int) -> str:
    """A place in a file as a finding's subject: `document 2` (from 1, the first left out), then the path."""
    parts = [f"document {index + 1}"] if index else []
    return ".".join([*parts, *map(str, path)])


def _type_name(value: object) -> str:
    return {str: "text", int: "number", float: "number", bool: "boolean"}.get(type(value), type(value).__name__)
