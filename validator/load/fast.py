"""The fast tier: values from yaml-rs (Rust) for files a cheap pre-scan shows are plain; positions from libyaml (C)
for the few entities a finding points at.

yaml-rs builds a whole file's values in one call, about ten times faster than libyaml's events walked from Python.
But it gives no positions, expands or ignores anchors, aliases and tags, reads a few plain scalars differently from
our YAML 1.2 reading (`012`, `1_000`, `0X1F`, `1e3`, 40-digit numbers), keeps null keys as None and crashes on
thousands of nested compact sequences. So `parse` gives up when
1. `plain_enough` (translation tables, substring tests with a rare character first, regular expressions) sees what
   could be an anchor, alias, tag, directive, merge key, complex key, document end marker, a character outside
   printable UTF-8, a tab, CR, NEL, LS, PS or BOM, MAX_INDENT leading spaces, `- - x`, a last block scalar yaml-rs
   would end with a line break or a value right after a quoted key's colon (`{"a":012}`); or content on a `---` line;
2. yaml-rs reports an error (a duplicate key among them), or a document is a scalar;
3. the walk that counts the values (the run's budget) meets a key that is not text, collections nested near
   MAX_DEPTH, or a number in a file whose text holds a number form read differently.
Giving up is always safe: the reference parser (`load/reference.py`) then reads the file and reports exactly what
is unusual. A file the fast tier accepted has no loader finding.

`Positions` are computed only for findings: a document's root and top-level list items (every entity's line) from
the text, anything deeper by libyaml's C composer (the reference parser's scanner and marks, without PyYAML's
Python resolver) reading the lines of that one entity. So a finding costs the same whether a run has ten or ten
thousand, and no file is parsed twice in Python. `tests/test_loader_fast.py` checks values and every position
against the reference parser.
"""

from __future__ import annotations

import re
from itertools import repeat

import yaml
from yaml._yaml import CParser

from validator.load.reference import MAX_DEPTH, MAX_NODES, ParseResult, Path, Position, resolve_plain

try:
    import yaml_rs
except ImportError:  # pragma: no cover - the libyaml paths are used for every file
    yaml_rs = None

MAX_INDENT = 24  # leading spaces (see plain_enough)
_DEEP_LINE = "\n" + " " * MAX_INDENT
_BAD_CHARS = re.compile(r"[^\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]")
_SPECIAL = re.compile(r"(?:^|[ \n\[{,])[&*!?%@`]")  # anchor, alias, tag, complex key, directive, reserved
# a plain scalar that starts with `:` (`[:0]`): YAML 1.2 (yaml-rs) reads it inside brackets, libyaml does not
_COLON_START = re.compile(r"(?:^|[ \n\[{,]):[^ \n]")
_COMPACT_SEQ = re.compile(r"- +-(?=[ \n]|$)", re.M)
# a plain token, after an optional sign, starting with `_`, a leading zero, or digits then `_`, `e` or `E`
# (over _CLASSES, after an S for the text's start)
# (SG?P?(...) written with each branch after the S starting with its own byte: the engine then tries a branch at
# an S only when the next byte can start it; `[ZDAPG]*+[UE]` finds what `[ZDAUEPG]*[UE]` does, without backtracking)
_NUMBER = rb"U|Z[ZDAUE]|[ZD][ZDAPG]*+[UE]"
_RISKY_NUMBER = re.compile(rb"S(?:%b|GP?(?:%b)|P(?:%b))" % (_NUMBER, _NUMBER, _NUMBER))
# a block scalar header with nothing but blank or comment lines after it up to the end: yaml-rs keeps a line break
_EMPTY_BLOCK_AT_END = re.compile(r"[|>][-+0-9]*[ ]*(?:#[^\n]*)?(?:\n[ ]*(?:#[^\n]*)?)*\Z")
_CONTENT = re.compile(r"^[ ]*[^ \n#]", re.M)
_MARKER_CONTENT = re.compile(r" +[^ \n#]")  # content after a document marker


# The UTF-8 text's bytes, one class each: B = a byte libyaml and yaml-rs may read differently (controls, tab,
# CR), S = where a token may start, X = what must not start one (a colon: not before a non-space, told apart by
# _COLON_START), Q = a quote; for numbers: G a sign, P a point, Z zero, D another digit, U underscore, E e or E,
# A another letter; any other byte is itself (a later group wins; classes are ASCII, never in a multi-byte character)
_GROUPS = {b"B": bytes([*range(0x20), 0x7F]), b"S": b" \n[{,", b"X": b"&*!?%@`:", b"Q": b"\"'", b"G": b"+-",
           b"P": b".", b"Z": b"0", b"D": b"123456789", b"U": b"_", b"E": b"eE",
           b"A": b"abcdfghijklmnopqrstuvwxyzABCDFGHIJKLMNOPQRSTUVWXYZ"}
_CLASSES = bytes.maketrans(b"".join(_GROUPS.values()), b"".join(k * len(v) for k, v in _GROUPS.items()))
_SPECIAL_AFTER_START = re.compile(rb"SX")  # (a regular expression finds two bytes faster than `in` does)
# a value right after a quoted key's colon (`{"a":012}`, `{"a":&x 1}`): a token start the checks above do not see
# (over _CLASSES, then confirmed in the text: a quoted text may start with an X such as `*`)
_AFTER_QUOTE = re.compile(rb"QX[^SQ]")
_AFTER_QUOTED_KEY = re.compile(r"[\"']:[^ \n]")


class GiveUp(Exception):
    """yaml-rs must not be trusted with this file."""


def plain_enough(text: str) -> bytes | None:
    """The byte classes of `text` (see _CLASSES) if nothing in it can make yaml-rs and the reference parser
    disagree (see step 1), else None. Fewer than MAX_INDENT leading spaces also keep yaml-rs's recursion
    shallow; the nesting itself is checked on the values (`_Counter`)."""
    if text.startswith(("...", "%", " " * MAX_INDENT)) or "\n..." in text or _DEEP_LINE in text:
        return None  # a document end marker, a directive, deep indentation
    if ("<" in text and "<<" in text) or ("%" in text and "\n%" in text) or _COMPACT_SEQ.search(text):
        return None  # a merge key, a directive, `- - x`
    if ("|" in text or ">" in text) and (not text.endswith("\n") or _EMPTY_BLOCK_AT_END.search(text)):
        return None  # yaml-rs ends a last block scalar with a line break the file does not have
    classes = text.encode("utf-8").translate(_CLASSES)
    if b"B" in classes or (not text.isascii() and _BAD_CHARS.search(text)):
        return None
    if (_SPECIAL_AFTER_START.search(classes) or classes.startswith(b"X")) and (
            _SPECIAL.search(text) or _COLON_START.search(text)):
        return None
    return None if _AFTER_QUOTE.search(classes) and _AFTER_QUOTED_KEY.search(text) else classes


class _Counter:
    """Counts values like the reference parser and notes numbers; gives up on a key that is not text and on
    nesting near MAX_DEPTH (the reference parser reports what is too deep: the values' nesting is exact, where
    the text's brackets may stand in quoted text)."""

    numbers = False

    def count(self, value: object, depth: int = 1, type=type, str=str, dict=dict, list=list) -> int:
        """The values of `value`, a document's root or a collection at nesting `depth`. (The builtins are bound as
        defaults: read as locals, they cost less in the loop over every value.)"""
        if depth >= MAX_DEPTH - 1:  # (a list inlined below is at depth + 1)
            raise GiveUp
        cls = type(value)
        if cls is dict:
            nodes = 1 + 2 * len(value)  # the mapping, each key, each value's own node
            for key, item in value.items():  # type: ignore[union-attr]
                kind = type(item)
                if type(key) is not str:
                    raise GiveUp
                if kind is str:  # most values
                    continue
                if kind is list:  # inlined: most lists hold text only
                    nodes += len(item)
                    for sub in item:
                        inner = type(sub)
                        if inner is str:
                            continue
                        if inner is dict or inner is list:
                            nodes += self.count(sub, depth + 2) - 1
                        elif inner is int or inner is float:
                            self.number(sub)
                elif kind is dict:
                    nodes += self.count(item, depth + 1) - 1
                elif kind is int or kind is float:
                    self.number(item)
            return nodes
        if cls is list:
            nodes = 1 + len(value)  # type: ignore[arg-type]
            for item in value:  # type: ignore[union-attr]
                kind = type(item)
                if kind is str:
                    continue
                if kind is dict or kind is list:
                    nodes += self.count(item, depth + 1) - 1
                elif kind is int or kind is float:
                    self.number(item)
            return nodes
        if value is not None:
            raise GiveUp  # a scalar document is never an entity; the reference parser reports it exactly
        return 1  # an empty document

    def number(self, value: float) -> None:
        """Note a number; give up on one of 39 digits or more (the reference keeps over 40 as text)."""
        self.numbers = True
        if value.__class__ is int and not -10**38 < value < 10**38:
            raise GiveUp


def document_spans(text: str) -> list[tuple[int, int]] | None:
    """(start, end) offsets of each document: from after its `---` (or 0, when the text has content
    before its first `---`) to the start of the next `---` line. None: a `---` line holds content."""
    markers, at = ([0] if text.startswith("---") else []), text.find("\n---")
    while at >= 0:  # (`find` skips through the text faster than a regular expression steps)
        markers.append(at + 1)
        at = text.find("\n---", at + 4)
    if markers:  # a marker is `---` then a space, a line break or the end; none holds content (`--- x`)
        markers = [m for m in markers if text[m + 3:m + 4] in " \n"]  # ("" at the end)
        if any(_MARKER_CONTENT.match(text, m + 3) for m in markers if text[m + 3:m + 4] == " "):
            return None
    first = markers[0] if markers else len(text)
    spans = [(0, first)] if _CONTENT.search(text, 0, first) is not None else []
    return spans + [(m + 3, end) for m, end in zip(markers, [*markers[1:], len(text)], strict=False)]


def _root_and_items(text: str, items: int | None, start: int, end: int) -> tuple[Position | None, list, list]:
    """The position libyaml reports for the root of the document in text[start:end] (None: not found) and, for
    a block-list root (`items` items; None: an empty document, -1: a mapping), each item's dash line offset and
    content offset ([] when unsure). Nothing is guessed: what is not found here is composed when asked for."""
    root = _CONTENT.search(text, start, end)
    if root is None or items is None:
        return None, [], []
    at = root.end() - 1
    line_start = text.rfind("\n", 0, at) + 1
    indent = at - line_start
    position = (text.count("\n", 0, at) + 1, indent + 1)
    if items < 0 or text[at] != "-":
        return position, [], []
    # each item's dash line and where its content starts on it (anything else, such as `-` then a comment: the
    # document is composed), each after a line break (a literal the regular expression engine skips to, four
    # times faster than trying `^` at every character; the text gets one before it, so offsets are shifted by 1)
    item = re.compile("\n" + " " * indent + r"-(?:[ ]+(?=[^ \n#])()|(?=[ \n]|\Z))")  # group 1: the content
    matches = list(item.finditer("\n" + text, line_start, end + 1))
    if len(matches) != items or any(match.end(1) < 0 for match in matches):
        return position, [], []
    return position, [match.start() for match in matches], [match.end(1) - 1 for match in matches]


class Positions:
    """The positions of one document read by the fast tier, each computed on first need. `get(path)` is what
    `Source.position` asks: (line, column) as the reference parser gives it, or `default` when not there."""

    __slots__ = ("_text", "_spans", "_index", "_items", "_root", "_start", "_end", "_starts", "_firsts", "_nodes")

    def __init__(self, text: str, spans: list[tuple[int, int]], index: int, value: object):
        # the file's text, its documents' spans (shared by them; [] until a position is asked for), which one this is,
        # the value's shape only (the value itself is freed once modelled: a run's largest object), no root looked
        # for yet; the rest is set when the first position is asked for
        self._text, self._spans, self._index, self._root = text, spans, index, False
        self._items = None if value is None else len(value) if value.__class__ is list else -1  # type: ignore[arg-type]

    def get(self, path: Path, default=None):
        if self._root is False:
            if not self._spans:
                self._spans.extend(document_spans(self._text) or ())
            self._start, self._end = self._spans[self._index]  # the document's span
            # each top-level item's line offset and content offset when known; composed nodes: -1 the whole document,
            # i item i (None: unsure)
            self._root, self._starts, self._firsts = _root_and_items(self._text, self._items, self._start, self._end)
            self._nodes: dict[int, object] = {}
        if not path and self._root is not None:
            return self._root  # type: ignore[return-value]
        if path and path[0].__class__ is int and 0 <= path[0] < len(self._starts):
            if len(path) == 1:
                return self._item(path[0])
            node, line_offset = self._composed(path[0])
            if node is not None:
                return _walk(node, path[1:], line_offset, default)
        node, line_offset = self._composed(-1)
        return _walk(node, path, line_offset, default) if node is not None else default

    def _item(self, index: int) -> Position:
        first = self._firsts[index]
        return (self._text.count("\n", 0, first) + 1, first - self._starts[index] + 1)

    def _composed(self, index: int) -> tuple[object, int]:
        """libyaml's node of top-level item `index` composed from its lines alone, or (-1) of the whole document,
        once each, and the number of lines before that text. None: the lines do not hold one item where expected."""
        text, starts, end = self._text, self._starts, self._end
        if index < 0:
            begin = text.rfind("\n", 0, self._start) + 1  # from the line start (a `---` marker's, if any)
        else:
            begin, end = starts[index], (starts[index + 1] if index + 1 < len(starts) else end)
        line_offset = text.count("\n", 0, begin)
        if index not in self._nodes:
            node = compose(text[begin:end])
            if index >= 0:
                node = node.value[0] if node.__class__ is yaml.SequenceNode and len(node.value) == 1 else None
                mark = node.start_mark if node is not None else None
                if mark is None or (mark.line + 1 + line_offset, mark.column + 1) != self._item(index):
                    node = None
            self._nodes[index] = node
        return self._nodes[index], line_offset


class _Composer(CParser):
    """libyaml's composer with no resolver (only marks and keys' text are read, `_key`): it calls these for every
    node, and `"".format` takes any arguments and returns "" in C, where a Python method costs a call frame."""

    resolve = descend_resolver = ascend_resolver = "".format


def compose(text: str):
    """libyaml's node tree of one document (C code; each node carries its start mark), or None."""
    try:
        return _Composer(text).get_single_node()
    except yaml.YAMLError:
        return None


def _walk(node, path: Path, line_offset: int, default):
    """The position of `path` below `node` (a mapping key's for a key, an item's for an index), or `default`."""
    mark = node.start_mark
    for step in path:
        cls = node.__class__
        if cls is yaml.MappingNode:
            for key, value in node.value:
                # a key's text differs from the step it stands for only as a plain null (`~`), or when
                # the step is not a string (the reference parser's value of the key is compared then)
                if (key.value == step or step.__class__ is not str or step == "null") and _key(key) == step:
                    mark, node = key.start_mark, value
                    break
            else:
                return default
        elif cls is yaml.SequenceNode and step.__class__ is int and 0 <= step < len(node.value):
            node = node.value[step]
            mark = node.start_mark
        else:
            return default
    return (mark.line + 1 + line_offset, mark.column + 1)


def _key(node) -> object:
    """A key node's value as the reference parser keeps it (a plain `null` key is the text "null")."""
    if node.__class__ is not yaml.ScalarNode:
        return None
    if node.style:  # quoted or block: the text itself
        return node.value
    value = resolve_plain(node.value)
    return "null" if value is None else value


def parse(text: str, max_nodes: int = MAX_NODES) -> ParseResult | None:
    """The documents of `text` with their values and (lazy) positions, or None: the reference parser
    must read this file (see the module documentation for when)."""
    classes = plain_enough(text) if yaml_rs is not None else None
    documents = _documents(text) if classes is not None else None
    if documents is None:
        return None
    count, spans = documents
    try:
        loaded = yaml_rs.loads(text, parse_datetime=False)
    except Exception:  # a syntax error, a duplicate key, a mapping as a key (TypeError), ...: the others report it
        return None
    # yaml-rs gives one document's value, or a list of them, or None for a text without any
    values = [loaded] if count == 1 else loaded if count else [] if loaded is None else None
    if not isinstance(values, list) or len(values) != count:
        return None
    try:
        nodes = sum(map((counter := _Counter()).count, values))
    except GiveUp:
        return None
    if nodes > max_nodes or (counter.numbers and _RISKY_NUMBER.search(b"S" + classes)):
        return None  # a plain token may be a number yaml-rs reads differently (`012`, `1_000`, `0x1F`, `1e3`)
    return ParseResult(values, list(map(Positions, repeat(text), repeat(spans), range(count), values)), [], nodes)


def _documents(text: str) -> tuple[int, list[tuple[int, int]]] | None:
    """How many documents `text` holds and their spans, [] when counted without them (computed when a position is
    asked for): every `---` line is the marker alone, and no text starts with one. None: a `---` line holds content."""
    first = text.find("\n---")
    if first < 0 and not text.startswith("---"):
        return (0 if _CONTENT.search(text) is None else 1), []
    markers = text.count("\n---")  # (occurrences cannot overlap; counted ones followed by a line break cannot either)
    if not text.startswith("---") and markers == text.count("\n---\n") + text.endswith("\n---"):
        return markers + (_CONTENT.search(text, 0, first + 1) is not None), []
    spans = document_spans(text)
    return None if spans is None else (len(spans), spans)
