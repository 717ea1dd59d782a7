"""The fast tier: values from yaml-rs (Rust) for files a cheap pre-scan shows are plain; positions
from libyaml (C) for the few entities a finding points at.

yaml-rs builds a whole file's values in one call, about ten times faster than libyaml's events walked
from Python. But it gives no positions, expands or ignores anchors, aliases and tags, reads a few plain
scalars differently from our YAML 1.2 reading (`012`, `1_000`, `0X1F`, `1e3`, 40-digit numbers), keeps
null keys as None and crashes on thousands of nested compact sequences. So `parse` gives up when
1. `plain_enough` (translation tables, substring tests with a rare character first, regular expressions)
   sees what could be an anchor, alias, tag, directive, merge key, complex key, document end marker,
   a character outside printable UTF-8, a tab, CR, NEL, LS, PS or BOM, MAX_INDENT leading spaces,
   `- - x` or a last block scalar yaml-rs would end with a line break; or content on a `---` line;
2. yaml-rs reports an error (a duplicate key among them), or a document is a scalar;
3. the walk that counts the values (the run's budget) meets a key that is not text, collections nested
   near MAX_DEPTH, or a number in a file whose text holds a number form read differently.
Giving up is always safe: the reference parser (`load/reference.py`) then reads the file and reports
exactly what is unusual. A file the fast tier accepted has no loader finding.

`Positions` are computed only for findings: a document's root and top-level list items (every entity's
line) from the text, anything deeper by libyaml's C composer (the reference parser's scanner and marks,
without PyYAML's Python resolver) reading the lines of that one entity. So a finding costs the same
whether a run has ten or ten thousand, and no file is parsed twice in Python.
`tests/test_loader_fast.py` checks values and every position against the reference parser.
"""

from __future__ import annotations

import functools
import re
from itertools import repeat

import yaml
from yaml._yaml import CParser

from validator.load.reference import MAX_DEPTH, MAX_NODES, Document, ParseResult, Path, Position, resolve_plain

try:
    import yaml_rs
except ImportError:  # pragma: no cover - the libyaml paths are used for every file
    yaml_rs = None

BIG = 10**38
MAX_INDENT = 24  # leading spaces (see plain_enough)
_DEEP_LINE = "\n" + " " * MAX_INDENT
_BAD_CHARS = re.compile(r"[^\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]")
_SPECIAL = re.compile(r"(?:^|[ \n\[{,])[&*!?%@`]")  # anchor, alias, tag, complex key, directive, reserved
# a plain scalar that starts with `:` (`[:0]`): YAML 1.2 (yaml-rs) reads it inside brackets, libyaml does not
_COLON_START = re.compile(r"(?:^|[ \n\[{,]):[^ \n]")
_COMPACT_SEQ = re.compile(r"- +-(?=[ \n]|$)", re.M)
# a plain token, after an optional sign, starting with `_`, a leading zero, or digits then `_`, `e` or `E`
# (over _CLASSES, after an S for the text's start)
_RISKY_NUMBER = re.compile(rb"SG?P?(?:U|Z[ZDAUE]|[ZD][ZDAUEPG]*[UE])")
# a block scalar header with nothing but blank or comment lines after it up to the end: yaml-rs keeps a line break
_EMPTY_BLOCK_AT_END = re.compile(r"[|>][-+0-9]*[ ]*(?:#[^\n]*)?(?:\n[ ]*(?:#[^\n]*)?)*\Z")
_CONTENT = re.compile(r"^[ ]*[^ \n#]", re.M)
_MARKER = re.compile(r"\n---(?=[ \n]|\Z)( +[^ \n#])?")  # a document marker at a line start; 1: content after it


def _table(*classes: tuple[bytes, bytes]) -> bytes:
    """A bytes.translate table: each byte of a group becomes its class letter (a later group wins), any other
    byte `.`."""
    table = bytearray(b"." * 256)
    for chars, letter in classes:
        for byte in chars:
            table[byte] = letter[0]
    return bytes(table)


# The UTF-8 text's bytes, one class each: B = a byte libyaml and yaml-rs may read differently (controls, tab,
# CR), S = where a token may start, X = what must not start one (a colon: not before a non-space, told apart by
# _COLON_START); for numbers: G a sign, P a point, Z zero, D another digit, U underscore, E e or E, A another
# letter. (Classes are ASCII bytes, never part of a multi-byte character.)
_CLASSES = _table((bytes([*range(0x20), 0x7F]), b"B"), (b" \n[{,", b"S"), (b"&*!?%@`:", b"X"), (b"+-", b"G"),
                  (b".", b"P"), (b"0", b"Z"), (b"123456789", b"D"), (b"_", b"U"), (b"eE", b"E"),
                  (b"abcdfghijklmnopqrstuvwxyzABCDFGHIJKLMNOPQRSTUVWXYZ", b"A"))


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
    if (b"SX" in classes or classes.startswith(b"X")) and (_SPECIAL.search(text) or _COLON_START.search(text)):
        return None
    return classes


class _Counter:
    """Counts values like the reference parser and notes numbers; gives up on a key that is not text and on
    nesting near MAX_DEPTH (the reference parser reports what is too deep: the values' nesting is exact, where
    the text's brackets may stand in quoted text)."""

    __slots__ = ("numbers",)

    def __init__(self) -> None:
        self.numbers = False

    def count(self, value: object, depth: int = 1) -> int:
        """The values of `value`, a document's root or a collection at nesting `depth`."""
        if depth >= MAX_DEPTH - 1:  # (a list inlined below is at depth + 1)
            raise GiveUp
        cls = value.__class__
        if cls is dict:
            nodes = 1 + 2 * len(value)  # the mapping, each key, each value's own node
            for key, item in value.items():  # type: ignore[union-attr]
                if key.__class__ is not str:
                    raise GiveUp
                kind = item.__class__
                if kind is list:  # inlined: most lists hold scalars only
                    nodes += len(item)
                    for sub in item:
                        inner = sub.__class__
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
            nodes = 1
            for item in value:  # type: ignore[union-attr]
                kind = item.__class__
                if kind is dict or kind is list:
                    nodes += self.count(item, depth + 1)
                else:
                    if kind is int or kind is float:
                        self.number(item)
                    nodes += 1
            return nodes
        if value is not None:
            raise GiveUp  # a scalar document is never an entity; the reference parser reports it exactly
        return 1  # an empty document

    def number(self, value: float) -> None:
        """Note a number; give up on one of 39 digits or more (the reference keeps over 40 as text)."""
        self.numbers = True
        if value.__class__ is int and not -BIG < value < BIG:
            raise GiveUp


def document_spans(text: str) -> list[tuple[int, int]] | None:
    """(start, end) offsets of each document: from after its `---` (or 0, when the text has content
    before its first `---`) to the start of the next `---` line. None: a `---` line holds content."""
    # (a marker may open the text; the search for one below a line is the cheaper test for the rest)
    found = list(_MARKER.finditer("\n" + text)) if text.startswith("---") or _MARKER.search(text) else []
    if any(marker.group(1) for marker in found):
        return None
    markers = [marker.start() for marker in found]
    first = markers[0] if markers else len(text)
    spans = [(0, first)] if _CONTENT.search(text, 0, first) is not None else []
    return spans + [(m + 3, end) for m, end in zip(markers, [*markers[1:], len(text)], strict=False)]


def _root_and_items(text: str, items: int | None, start: int, end: int) -> tuple[Position | None, list, list]:
    """The position libyaml reports for the root of the document in text[start:end] (None: not found
    in the text) and, for a block-list root (`items` items; None: an empty document, -1: a mapping),
    each item's dash line offset and content offset ([] when unsure). Nothing is guessed: what is not
    found here is composed when asked for."""
    root = _CONTENT.search(text, start, end)
    if root is None or items is None:
        return None, [], []
    at = root.end() - 1
    line_start = text.rfind("\n", 0, at) + 1
    indent = at - line_start
    if items < 0 or text[at] != "-":
        return (text.count("\n", 0, at) + 1, indent + 1), [], []
    # each item's dash line; group 1: where its content starts when on the same line (the common case;
    # for any other item, such as `-` then a comment, nothing is guessed: the document is composed).
    # The first item is on the root's line; the others are found after a line break (a literal the
    # regular expression engine skips to, four times faster than trying `^` at every character)
    first = _item_pattern(indent, False).match(text, line_start, end)
    matches = list(_item_pattern(indent, True).finditer(text, line_start, end))
    firsts = [match.end(1) for match in matches]
    position = (text.count("\n", 0, at) + 1, indent + 1)
    if first is None or len(matches) + 1 != items or -1 in firsts or first.end(1) < 0:
        return position, [], []
    return position, [line_start, *[match.start() + 1 for match in matches]], [first.end(1), *firsts]


@functools.cache
def _item_pattern(indent: int, after_break: bool) -> re.Pattern:
    """A list item's dash at `indent` spaces, at the start of the text searched or after a line break."""
    return re.compile(r"%s {%d}-(?:[ ]+(?=[^ \n#])()|(?=[ \n]|\Z))" % ("\n" if after_break else "", indent))  # noqa: UP031


# --- positions ------------------------------------------------------------------------------------

_NOT_FOUND = (0, 0)


class Positions:
    """The positions of one document read by the fast tier, each computed on first need (see the
    module documentation). `get(path)` is what `Source.position` asks: (line, column), 1-based,
    as the reference parser would give it, or `default` when the path is not in the document."""

    __slots__ = ("_text", "_start", "_end", "_items", "_root", "_starts", "_firsts", "_nodes", "_keys")

    def __init__(self, text: str, span: tuple[int, int], value: object):
        self._text, (self._start, self._end) = text, span  # the file's text, the document's span
        # the value's shape only: the value itself is freed once modelled (a run's largest object):
        # None an empty document, n >= 0 a list of n items, -1 - n a mapping of n keys
        cls = value.__class__
        self._items = None if value is None else len(value) if cls is list else -1 - len(value)  # type: ignore[arg-type]
        self._root: Position | None | bool = False  # False: not looked for yet
        self._starts: list[int] = []  # each top-level item's line offset and content offset, when known
        self._firsts: list[int] = []
        # composed nodes: -1 the whole document, i item i, a key the lines of that top-level key (None:
        # unsure); ("{", i): what _flow_line read of item i
        self._nodes: dict[object, object] = {}
        self._keys: list[int] | None | bool = False  # see _key_lines; False: not looked for yet

    def get(self, path: Path, default=None):
        found = self._find(path)
        return default if found is _NOT_FOUND else found

    def _find(self, path: Path) -> Position:
        if self._root is False:
            self._root, self._starts, self._firsts = _root_and_items(self._text, self._items, self._start, self._end)
        if not path and self._root is not None:
            return self._root  # type: ignore[return-value]
        if path and path[0].__class__ is int and 0 <= path[0] < len(self._starts):
            if len(path) == 1:
                return self._item(path[0])
            if self._text[self._firsts[path[0]]] == "{":
                found = self._in_flow_item(path[0], path[1:])
                if found is not None:
                    return found
            node, line_offset = self._composed(path[0])
            if node is not None:
                return _walk(node, path[1:], line_offset)
        elif path and self._items is not None and self._items < -1 and self._root is not None:
            found = self._top(path)
            if found is not None:
                return found
        node, line_offset = self._composed(-1)
        return _walk(node, path, line_offset) if node is not None else _NOT_FOUND

    def _item(self, index: int) -> Position:
        first = self._firsts[index]
        return (self._text.count("\n", 0, first) + 1, first - self._starts[index] + 1)

    def _in_flow_item(self, index: int, path: Path) -> Position | None:
        """The position of `path` in item `index` written as a flow mapping on one line of simple
        scalars and lists of them (`- {kind: Grant, id: g, to: ["person:a"]}`), read from the text
        (see _flow_line); None when the item is not that simple or the path goes deeper."""
        table = self._nodes.get(("{", index), False)  # (kept with the composed nodes: one dict a document)
        if table is False:
            line, column = self._item(index)
            table = self._nodes[("{", index)] = _flow_line(self._text, self._firsts[index], line, column)
        where = table.get(path[0]) if table else None  # type: ignore[union-attr]
        if where is None or len(path) > 2:
            return None
        line, column, items = where
        if len(path) == 1:
            return (line, column)
        step = path[1]
        return (line, items[step]) if step.__class__ is int and items is not None and 0 <= step < len(items) else None

    def _top(self, path: Path) -> Position | None:
        """The position of `path` under a top-level key of a block mapping, from that key's lines alone:
        the key's own position from the text, anything below it composed from its lines. None when
        unsure (the whole document is composed then)."""
        text, step = self._text, path[0]
        if self._keys is False:
            self._keys = _key_lines(text, self._root[1], -1 - self._items, self._start, self._end)  # type: ignore[index,operator]
        lines = self._keys
        if not lines or step.__class__ is not str or resolve_plain(step) != step:
            return None
        line, column = self._root  # type: ignore[misc]
        indent = column - 1
        n = next((n for n, begin in enumerate(lines) if text.startswith(step, begin + indent)  # type: ignore[arg-type]
                  and _is_key(_SIMPLE_KEY.match(text, begin + indent), step)), None)
        if n is None:
            return None  # not a key written plainly (or not a key): composed
        begin = lines[n]  # type: ignore[index]
        line += text.count("\n", lines[0], begin)  # type: ignore[index]
        if len(path) == 1:
            return (line, column)
        if step not in self._nodes:
            end = lines[n + 1] if n + 1 < len(lines) else self._end  # type: ignore[arg-type,index]
            node = compose(text[begin:end])
            # that key alone, where the text said it starts
            if not (node.__class__ is yaml.MappingNode and len(node.value) == 1
                    and node.value[0][0].__class__ is yaml.ScalarNode and not node.value[0][0].style
                    and node.value[0][0].value == step and node.start_mark.line == 0
                    and node.start_mark.column == indent):
                node = None
            self._nodes[step] = node
        node = self._nodes[step]
        return _walk(node, path, line - 1) if node is not None else None

    def _composed(self, index: int) -> tuple[object, int]:
        """libyaml's node of top-level item `index` composed from that item's lines alone, or (-1) of
        the whole document, once each; and the number of lines before that text. None for an item
        whose lines do not hold one item starting where the text said (the document is composed then)."""
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


# a plain key that is text as it is written (resolve_plain keeps it), then `:` and a space or the line's end
_SIMPLE_KEY = re.compile(r"([A-Za-z_][A-Za-z0-9_.-]*):(?=[ \n]|\Z)")


def _is_key(match: re.Match | None, step: str) -> bool:
    return match is not None and match.group(1) == step


def _key_lines(text: str, column: int, keys: int, start: int, end: int) -> list[int] | None:
    """The offsets of the lines of each top-level key of the block mapping of `keys` keys at `column`
    that is the document in text[start:end]. None when unsure.

    Every key of a block mapping starts a line at the mapping's column. A line that starts at that
    column or before it otherwise is a comment, an item of a list written at its key's column (`- x`),
    or a line inside a quoted or flow scalar: when the lines that start there (comments and items
    aside) are as many as the mapping has keys, they are its keys, and the lines from each to the
    next are that key and its value, exactly."""
    first = _CONTENT.search(text, start, end)
    if first is None or text[first.end() - 1] in "{[":
        return None  # (a flow mapping)
    lines = [first.start()]  # the root's line: its first key's
    for match in _line_start_pattern(column - 1).finditer(text, first.start(), end):
        if match.end() - match.start() <= column:
            return None  # a line starting left of the keys: inside a quoted or flow scalar
        lines.append(match.start() + 1)
    return lines if len(lines) == keys else None


# a flow mapping on one line of plain keys and values that are simple scalars or lists of them: a plain
# scalar of word characters, spaces and a few signs (no `:`, `#`, quote or bracket), or a quoted one
# without escapes. Nothing else is read here (the item is composed then).
_FLOW_SCALAR = r"""(?:[A-Za-z0-9_](?:[^,\[\]{}#:'"\n]*[^,\[\]{}#:'"\n ])?|"[^"\\\n]*"|'[^'\n]*')"""
_FLOW_VALUE = rf"(?:\[ *(?:{_FLOW_SCALAR}(?: *, *{_FLOW_SCALAR})*)? *\]|{_FLOW_SCALAR})"
_FLOW_PAIR = rf"[A-Za-z_][A-Za-z0-9_.-]*: +{_FLOW_VALUE}"
_FLOW_LINE = re.compile(rf"\{{ *{_FLOW_PAIR}(?: *, *{_FLOW_PAIR})* *\}} *(?:#[^\n]*)?(?:\n|\Z)")
_FLOW_PAIRS = re.compile(rf"([A-Za-z_][A-Za-z0-9_.-]*): +({_FLOW_VALUE})")
_FLOW_SCALARS = re.compile(_FLOW_SCALAR)


def _flow_line(text: str, first: int, line: int, column: int) -> dict | None:
    """For the flow mapping at offset `first` (at `line` and `column`) when it is one line as
    _FLOW_LINE reads it: key -> (line, column of the key, columns of a list's items or None)."""
    whole = _FLOW_LINE.match(text, first)
    if whole is None:
        return None
    shift = column - first  # an offset on this line -> its column
    found = {}
    for pair in _FLOW_PAIRS.finditer(text, first + 1, whole.end()):
        key, value = pair.group(1), pair.start(2)
        if resolve_plain(key) != key:
            continue  # (a key the reference parser reads as another value: composed if asked for)
        items = None
        if text[value] == "[":
            items = [scalar.start() + shift for scalar in _FLOW_SCALARS.finditer(text, value + 1, pair.end(2))]
        found[key] = (line, pair.start(1) + shift, items)
    return found


@functools.cache
def _line_start_pattern(indent: int) -> re.Pattern:
    """A line break, then a line whose first character stands at most `indent` columns in and is not
    a space, a comment or a list item's dash."""
    return re.compile(r"\n {0,%d}(?!-(?:[ \n]|\Z))[^ \n#]" % indent)  # noqa: UP031 - a regex (a line break: see _item_pattern)


class _Composer(CParser):
    """libyaml's composer with no resolver: only the nodes' marks and keys' text are read (`_key`).
    The composer calls these three for every node: `"".format` takes any arguments and returns ""
    in C (a tag that is not read), where a Python method would cost a call frame each time."""

    resolve = descend_resolver = ascend_resolver = "".format


def compose(text: str):
    """libyaml's node tree of one document (C code; each node carries its start mark), or None."""
    try:
        return _Composer(text).get_single_node()
    except yaml.YAMLError:
        return None


def _walk(node, path: Path, line_offset: int) -> Position:
    """The position of `path` below `node`: a mapping key's position for a key, an item's for an index."""
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
                return _NOT_FOUND
        elif cls is yaml.SequenceNode and step.__class__ is int and 0 <= step < len(node.value):
            node = node.value[step]
            mark = node.start_mark
        else:
            return _NOT_FOUND
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
    spans = document_spans(text) if classes is not None else None
    if spans is None:
        return None
    try:
        loaded = yaml_rs.loads(text, parse_datetime=False)
    except Exception:  # a syntax error, a duplicate key, a mapping as a key (TypeError), ...: the others report it
        return None
    if len(spans) == 1:
        values = [loaded]
    elif len(spans) > 1 and isinstance(loaded, list) and len(loaded) == len(spans):
        values = loaded
    elif not spans and loaded is None:
        values = []
    else:
        return None
    counter = _Counter()
    try:
        nodes = sum(map(counter.count, values))
    except GiveUp:
        return None
    if nodes > max_nodes or (counter.numbers and _RISKY_NUMBER.search(b"S" + classes)):
        return None  # a plain token may be a number yaml-rs reads differently (`012`, `1_000`, `0x1F`, `1e3`)
    positions = map(Positions, repeat(text), spans, values)
    return ParseResult(list(map(Document, values, positions, range(len(values)))), [], nodes)
