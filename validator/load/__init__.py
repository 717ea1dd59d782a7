"""load: files -> entities (plain dicts) with a position for every node, and loader findings.

Nothing downstream parses YAML. Positions live in `Source` objects, a side table keyed by
entity, never inside the model.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from validator.cache import ParseCache, key_of
from validator.findings import Finding, one_line
from validator.load import parallel, yamltree
from validator.load.fastpath import documents_of, parse_fast
from validator.load.files import SourceFile, decode, list_repo_files, read_listed
from validator.load.yamltree import Document, parse

__all__ = ["Source", "RawEntity", "LoadResult", "load_repo", "load_listed", "load_sources", "SourceFile"]

MAX_ENTITIES = 500_000  # about 7x the 20,000-person benchmark organisation


@dataclass(frozen=True, slots=True)
class Source:
    """Where an entity stands: its file, and the positions of its fields."""

    path: str
    positions: dict
    prefix: tuple = ()

    @property
    def line(self) -> int:
        return self.positions.get(self.prefix, (1, 1))[0]

    def position(self, field_path: tuple = ()) -> tuple[int, int]:
        """Line and column of `field_path` inside the entity, or of its closest parent."""
        positions = self.positions
        path = (*self.prefix, *field_path)
        while True:
            pos = positions.get(path)
            if pos is not None:
                return pos
            if not path:
                return (1, 1)
            path = path[:-1]

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
    nodes: int = 0  # YAML values built so far, against yamltree.MAX_NODES
    full: bool = False  # MAX_ENTITIES reached: the rest is not kept


def load_repo(root: Path, cache: ParseCache | None = None,
              meanwhile: Callable[[LoadResult], object] | None = None) -> LoadResult:
    """Read every YAML file of the repository at `root` (unchanged files from `cache`, if given).

    A large cold load is shared with a helper process (`load/parallel.py`); the result is the same.
    `meanwhile` is called with the partial result each time this process is about to wait for the
    next part of the helper's share (first after parsing its own share): work that can start early.
    """
    return load_listed(root, list_repo_files(root), cache, meanwhile)


def load_listed(root: Path, listed: list[SourceFile], cache: ParseCache | None = None,
                meanwhile: Callable[[LoadResult], object] | None = None) -> LoadResult:
    """`load_repo` of files listed by `list_repo_files` (read below `root` when needed) or already
    read (a tree from git, with their `size`)."""
    work = cache if cache is not None else ParseCache.in_memory()
    helper = parallel.start(root, listed, work)
    if helper is None:
        return load_sources((read_listed(root, item) for item in listed), cache)
    result = LoadResult()
    for i, item in enumerate(listed):
        while i >= helper.start and helper.covered < i and helper.waiting:
            if meanwhile is not None:  # before waiting for the next frame: go on with what we have
                meanwhile(result)
            helper.receive_one(work)
        result.files.append(item.path)
        sent = helper.sent.pop(i, None)
        if sent is not None:  # read, parsed and offered to the cache by the helper
            key, data = sent
            load_one(SourceFile(item.path, data), result, work, key)
        else:
            load_one(read_listed(root, item), result, cache)
    while helper.waiting:  # the end of the stream: the pipe is closed and the helper reaped
        helper.receive_one(work)
    return result


def load_sources(sources: Iterable[SourceFile], cache: ParseCache | None = None) -> LoadResult:
    """Parse already-read files (from disk or from a git tree); one bad file never stops the rest."""
    result = LoadResult()
    for source in sources:
        result.files.append(source.path)
        load_one(source, result, cache)
    return result


def load_one(source: SourceFile, result: LoadResult, cache: ParseCache | None = None, key: str | None = None) -> None:
    """Load one file into `result`: from `cache` when it has it (`key`: its cache key, if known)."""
    file_entity = f"file:{source.path}"
    if source.error is not None:
        result.findings.append(Finding("SCH007", "error", source.path, 1, file_entity,
                                       f"{source.path}: {source.error}"))
        return
    data = source.data or b""
    if key is None:
        key = key_of(data) if cache is not None else ""
    if cache is not None and _from_cache(cache, key, data, source.path, result):
        return
    text, error = decode(data)
    if text is None:
        result.findings.append(Finding("SCH007", "error", source.path, 1, file_entity,
                                       f"{source.path}: {error}"))
        return
    budget = yamltree.MAX_NODES - result.nodes
    if budget <= 0:
        return  # the file that exhausted the budget already has its SCH007 finding
    parsed = parse_fast(text, budget)  # None: something unusual, the reference parser reports it
    if parsed is None:
        parsed = parse(text, budget)
    elif cache is not None:
        cache.put(key, parsed.nodes, [d.value for d in parsed.documents], [dict(d.positions) for d in parsed.documents])
    result.nodes += parsed.nodes
    for problem in parsed.problems:
        entity, subject = file_entity, ""
        if problem.path is not None:  # SCH002: the entity the duplicated key is in, and the key's field path
            entity, subject = _entity_and_field(parsed.documents, problem.document, problem.path, file_entity)
        result.findings.append(Finding(problem.rule, "error", source.path, problem.line, entity,
                                       one_line(problem.message), problem.column, subject))
    for document in parsed.documents:
        _entities_of(document, source.path, result)


def _entity_and_field(documents: list[Document], index: int, path: tuple, file_entity: str) -> tuple[str, str]:
    """The entity holding `path` of document `index` (`kind:id` as the model names it) and the path inside
    it (`layers.0.turn`): a finding's identity that survives moving the entity or adding lines above it.
    `file:<path>` with the path from the document's top when no entity can be named."""
    document = documents[index].value if index < len(documents) else None
    item, inner = document, path
    if isinstance(document, list) and path and isinstance(path[0], int) and path[0] < len(document):
        item, inner = document[path[0]], path[1:]
    ref = _ref_of(item) if inner != path or isinstance(document, dict) else None
    if ref is None:
        prefix = f"{index}:" if index else ""
        return file_entity, prefix + ".".join(str(part) for part in path)
    return ref, ".".join(str(part) for part in inner)


def _ref_of(data: object) -> str | None:
    """The ref the model gives an entity (`service:checkout-api`, `settings`, `absence:<person>/<from>`)."""
    if not isinstance(data, dict) or not isinstance(data.get("kind"), str):
        return None
    kind = data["kind"]
    if kind == "Settings":
        return "settings"
    if kind == "Absence":
        return f"absence:{data.get('person')}/{data.get('from')}"
    ident = data.get("id")
    return f"{kind.lower()}:{ident}" if isinstance(ident, str) else None


def _from_cache(cache: ParseCache, key: str, data: bytes, path: str, result: LoadResult) -> bool:
    """Take a clean file's documents from the cache; False when it is not there (or over budget)."""
    cached = cache.get(key)
    if cached is None or cached[0] > yamltree.MAX_NODES - result.nodes:
        return False
    nodes, values, tops = cached
    result.nodes += nodes
    for document in documents_of(data, values, tops):
        _entities_of(document, path, result)
    return True


def _entities_of(document: Document, path: str, result: LoadResult) -> None:
    value = document.value
    if value is None or result.full:
        return
    if isinstance(value, dict):
        source = Source(path, document.positions, ())
        if _room(result, source):
            result.entities.append(RawEntity(value, source))
        return
    if isinstance(value, list):
        positions, entities = document.positions, result.entities
        if len(entities) + len(value) <= MAX_ENTITIES and all(item.__class__ is dict for item in value):
            # the common case, in one pass (a large run has tens of thousands of these)
            entities.extend([RawEntity(item, Source(path, positions, (i,))) for i, item in enumerate(value)])
            return
        for i, item in enumerate(value):
            source = Source(path, positions, (i,))
            if isinstance(item, dict):
                if not _room(result, source):
                    return
                entities.append(RawEntity(item, source))
            else:
                result.findings.append(Finding(
                    "SCH003", "error", path, source.line, f"file:{path}",
                    f"item {i + 1} of the list is a {_type_name(item)}, not an entity: "
                    "each item must be a mapping with a 'kind'", subject=_document_path(document, i)))
        return
    line = document.positions.get((), (1, 1))[0]
    result.findings.append(Finding(
        "SCH003", "error", path, line, f"file:{path}",
        f"document is a {_type_name(value)}, not an entity: write a mapping with a 'kind', "
        "or a list of them", subject=_document_path(document)))


def _document_path(document: Document, *path: int) -> str:
    """A place in a file as a finding's subject: `document 2` (from 1, the first left out), then the path."""
    parts = [f"document {document.index + 1}"] if document.index else []
    return ".".join([*parts, *map(str, path)])


def _room(result: LoadResult, source: Source) -> bool:
    """Whether another entity may be kept; the first one over MAX_ENTITIES becomes an SCH007 finding
    (its line is looked up only then)."""
    if len(result.entities) < MAX_ENTITIES:
        return True
    result.full = True
    path = source.path
    result.findings.append(Finding("SCH007", "error", path, source.line, f"file:{path}",
                                   f"more than {MAX_ENTITIES:,} entities in the repository: the rest is "
                                   "not read; split the repository", subject="entities"))
    return False


def _type_name(value: object) -> str:
    return {str: "text", int: "number", float: "number", bool: "boolean"}.get(type(value), type(value).__name__)
