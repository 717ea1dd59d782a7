"""The fast load path: the same values as `yamltree.parse`, positions computed only when asked for.

`yamltree.parse` is the reference: it records the line and column of every node and turns
anything unusual (anchors, aliases, tags, merge keys, duplicate keys, syntax errors, too deep,
too many values) into an exact finding. Most files of a real repository have none of that and
no finding at all, so their positions are never read.

`parse_fast` therefore walks libyaml's events with as little Python as possible, records only the
positions of each document's root and of its top-level list items (what `Source.line` needs for
every entity), and gives up (returns None) at the first sign of anything unusual, so the caller
runs the reference parser on that file and reports exactly what it reports. The deeper
positions live in a `LazyPositions` table that re-parses the file with the reference parser the
first time a finding asks for a position it does not have.

`tests/test_loader_fastpath.py` checks that both paths agree on values, positions and findings.
"""

from __future__ import annotations

import yaml

from validator.load import rsfast
from validator.load.files import decode
from validator.load.yamltree import MAX_DEPTH, MAX_NODES, Document, ParseResult, parse, resolve_plain

try:
    from yaml._yaml import CParser as _CParser
except ImportError:  # pragma: no cover - without libyaml the reference path is used for every file
    _CParser = None

_SCALAR = yaml.ScalarEvent
_MAP_START = yaml.MappingStartEvent
_SEQ_START = yaml.SequenceStartEvent
_MAP_END = yaml.MappingEndEvent
_SEQ_END = yaml.SequenceEndEvent
_DOC_END = yaml.DocumentEndEvent
_ALIAS = yaml.AliasEvent
_NO_KEY = object()


class _Unusual(Exception):
    """Something the reference parser must look at."""


class FileText:
    """A file's text, shared by the lazy position tables of its documents; parsed at most once."""

    __slots__ = ("text", "_documents", "_spans")

    def __init__(self, text: str | bytes, spans: list[tuple[int, int]] | None = None):
        self.text = text  # bytes for a cached file: decoded only if a position is ever needed
        self._documents: list[Document] | None = None
        self._spans = spans  # each document's (start, end) in the text, when known already

    def _decoded(self) -> str:
        if not isinstance(self.text, str):
            self.text = decode(self.text)[0] or ""
        return self.text

    def positions(self, index: int) -> dict:
        if self._documents is None:
            self._documents = parse(self._decoded()).documents
        documents = self._documents
        return documents[index].positions if index < len(documents) else {}

    def tops(self, index: int, value: object) -> dict:
        """The positions of a document's root and top-level items, from the text (`rsfast`); empty
        when unsure (the reference parser then gives them)."""
        text = self._decoded()
        if self._spans is None:
            self._spans = rsfast.document_spans(text)
        if index >= len(self._spans):
            return {}
        start, end = self._spans[index]
        return rsfast.top_positions(text, value, start, end)


_NOT_YET = object()


class LazyPositions(dict):
    """A position table filled in on first need: it is a dict (so `Source` and everything else
    treat it as one), and `get` and `[]` of a path that is not there yet first compute the top-level
    positions from the text (when they were not given: the yaml-rs tier leaves them to the few
    entities with a finding), then fetch the document's full table from the reference parser once.
    """

    __slots__ = ("_file", "_index", "_value")

    def __init__(self, top: dict | None, file: FileText, index: int, value: object = _NOT_YET):
        super().__init__(top or ())
        self._file: FileText | None = file
        self._index = index
        self._value = value if not top else _NOT_YET  # the document's value, while its tops are to come

    def _fill(self) -> bool:
        """Add the next stage of positions: the tops from the text, else the full table."""
        file = self._file
        if file is None:
            return False
        if self._value is not _NOT_YET:
            value, self._value = self._value, _NOT_YET
            self.update(file.tops(self._index, value))
            return True
        self._file = None
        self.update(file.positions(self._index))
        return True

    def get(self, path, default=None):  # type: ignore[override]
        try:
            return dict.__getitem__(self, path)
        except KeyError:
            while self._fill():
                if dict.__contains__(self, path):
                    return dict.__getitem__(self, path)
            return default

    def __missing__(self, path):
        while self._fill():
            if dict.__contains__(self, path):
                return dict.__getitem__(self, path)
        raise KeyError(path)

    def complete(self) -> dict:
        """Every position, as a plain dict."""
        while self._fill():
            pass
        return dict(self)

    def __reduce__(self):  # pickling/copying gives the full, plain table
        return (dict, (self.complete(),))


def parse_fast(text: str, max_nodes: int = MAX_NODES) -> ParseResult | None:
    """Parse `text` like `yamltree.parse`, or None when the reference parser must do it.

    yaml-rs first (`rsfast`, for files a pre-scan shows are plain), then libyaml's events.
    None for: any anchor, alias, tag or merge key, a duplicate or non-scalar key, a syntax or
    reader error, nesting deeper than MAX_DEPTH, more than `max_nodes` values, or no libyaml.
    Otherwise the result has no problems and each document's positions are a LazyPositions.
    """
    parsed = _parse_rs(text, max_nodes)
    if parsed is not None:
        return parsed
    if _CParser is None:
        return None
    try:
        return _parse_events(text, max_nodes)
    except (_Unusual, yaml.YAMLError, RecursionError):
        return None


def _parse_rs(text: str, max_nodes: int) -> ParseResult | None:
    """The yaml-rs tier (`rsfast`): values from Rust, top-level positions from the text."""
    found = rsfast.values_of(text, max_nodes)
    if found is None:
        return None
    values, nodes, spans = found
    file = FileText(text, spans)
    result = ParseResult(nodes=nodes)
    for i, value in enumerate(values):  # top-level positions too are computed only when asked for
        result.documents.append(Document(value, LazyPositions(None, file, i, value), i))
    return result


def documents_of(text: str | bytes, values: list, tops: list[dict]) -> list[Document]:
    """Rebuild the documents of a file from cached values and top-level positions (empty: computed
    from the text when first asked for)."""
    file = FileText(text)
    pairs = enumerate(zip(values, tops, strict=True))
    return [Document(value, LazyPositions(top, file, i, value), i) for i, (value, top) in pairs]


def _parse_events(text: str, max_nodes: int) -> ParseResult:  # noqa: C901 - one hot loop, kept flat on purpose
    get_event = _CParser(text).get_event
    result = ParseResult()
    file = FileText(text)
    stack: list = []  # open containers
    keys: list = []  # per open container: the pending mapping key, or _NO_KEY
    top: dict = {}
    root: object = None
    nodes = 0
    while True:
        event = get_event()
        if event is None:
            break
        cls = event.__class__
        if cls is _SCALAR:
            if event.anchor is not None or event.tag is not None:
                raise _Unusual
            value: object = resolve_plain(event.value) if event.implicit[0] else event.value
            container = False
        elif cls is _MAP_START or cls is _SEQ_START:
            if event.anchor is not None or event.tag is not None or len(stack) >= MAX_DEPTH:
                raise _Unusual
            value = {} if cls is _MAP_START else []
            container = True
        elif cls is _MAP_END or cls is _SEQ_END:
            stack.pop()
            keys.pop()
            continue
        elif cls is _DOC_END:
            result.documents.append(Document(root, LazyPositions(top, file, len(result.documents)),
                                             len(result.documents)))
            top = {}
            root = None
            continue
        elif cls is _ALIAS:
            raise _Unusual
        else:
            continue
        nodes += 1
        if nodes > max_nodes:
            raise _Unusual
        depth = len(stack)
        if depth == 0:
            root = value
            mark = event.start_mark
            top[()] = (mark.line + 1, mark.column + 1)
        else:
            parent = stack[-1]
            if parent.__class__ is list:
                if depth == 1:
                    mark = event.start_mark
                    top[(len(parent),)] = (mark.line + 1, mark.column + 1)
                parent.append(value)
            else:
                key = keys[-1]
                if key is _NO_KEY:
                    if container:
                        raise _Unusual
                    if value.__class__ is not str:  # null, numbers, booleans as keys: the reference path
                        raise _Unusual
                    if value == "<<" or value in parent:
                        raise _Unusual
                    keys[-1] = value
                    continue
                keys[-1] = _NO_KEY
                parent[key] = value
        if container:
            stack.append(value)
            keys.append(_NO_KEY)
    result.nodes = nodes
    return result
