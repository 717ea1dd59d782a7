"""The fastest load path: yaml-rs (a Rust YAML 1.2 parser) for files a cheap pre-scan shows are plain.

yaml-rs builds the values of a whole file in one call, about ten times faster than libyaml's event
stream walked from Python. It does not give positions, does not refuse anchors, aliases or tags
(it expands or ignores them), resolves a few plain scalars differently from our YAML 1.2 reading
(`012`, `1_000`, `0X1F`, `1e3`, 40-digit numbers), keeps null keys as None and crashes on
thousands of nested compact sequences. So it is used only where none of that can happen:

1. `plain_enough` refuses, by regular expressions over the text, anything that could be an
   anchor, alias, tag, directive, merge key, complex key, document end marker, content on a `---`
   line, a character outside printable UTF-8 or a tab, CR, NEL, LS, PS or BOM, MAX_INDENT (24)
   leading spaces, nested compact sequences (`- - x`) and flow collections nested deeper than
   MAX_FLOW. Fewer leading spaces and flow depth at most MAX_FLOW bound the nesting to at most
   2 * 25 + MAX_FLOW + 1 < MAX_DEPTH containers (see `plain_enough`).
   A block scalar that ends the text empty or without a final line break is refused too (yaml-rs
   gives it a line break the file does not have).
2. yaml-rs parses the text; any error (a duplicate key among them) gives up, and so does a
   document that is a scalar (never an entity: the reference parser reports it).
3. One walk counts the values (against the run's budget), and gives up on a key that is not text;
   a file with any number is scanned for the number forms read differently.
4. Positions are computed only when a finding first asks for one (`LazyPositions`): those of a
   document's root and top-level list items from the text (`top_positions`, kept only when the
   number of items matches), deeper ones by the reference parser.

Giving up is always safe: the caller then tries the libyaml fast path, then the reference parser.
`tests/test_loader_rsfast.py` checks values and positions against the reference parser.
"""

from __future__ import annotations

import functools
import re

try:
    import yaml_rs
except ImportError:  # pragma: no cover - the libyaml paths are used for every file
    yaml_rs = None

MAX_FLOW = 8
BIG = 10**38
MAX_INDENT = 24  # leading spaces; with MAX_FLOW this bounds nesting below MAX_DEPTH (see plain_enough)
_BAD_CHARS = re.compile(r"[^\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]")
_SPECIAL = re.compile(r"(?:^|[ \n\[{,])[&*!?%@`]")  # anchor, alias, tag, complex key, directive, reserved
# a plain scalar that starts with `:` (`[:0]`): YAML 1.2 (yaml-rs) reads it inside brackets, libyaml does not
_COLON_START = re.compile(r"(?:^|[ \n\[{,]):[^ \n]")
_MARKER_CONTENT = re.compile(r"^--- +[^ \n#]", re.M)
_COMPACT_SEQ = re.compile(r"- +-(?=[ \n]|$)", re.M)
# a plain token, after an optional sign, starting with `_`, a leading zero, or digits then `_`, `e` or `E`;
# over the UTF-8 bytes translated by _NUMBER_CLASSES: S where a token may start, G a sign, P a point,
# Z zero, D another digit, U underscore, E e or E, A another letter
_RISKY_NUMBER = re.compile(rb"SG?P?(?:U|Z[ZDAUE]|[ZD][ZDAUEPG]*[UE])")
# a block scalar header with nothing but blank or comment lines after it up to the end: yaml-rs keeps a line break
_EMPTY_BLOCK_AT_END = re.compile(r"[|>][-+0-9]*[ ]*(?:#[^\n]*)?(?:\n[ ]*(?:#[^\n]*)?)*\Z")
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_INNER_PAIR = re.compile(r"\[\]|\{\}")
_INNER_PAIR_BYTES = re.compile(rb"\[\]|\{\}")
_NON_BRACKET_BYTES = bytes(b for b in range(256) if b not in b"[]{}")
_CONTENT = re.compile(r"^[ ]*[^ \n#]", re.M)
_NEXT_CONTENT = re.compile(r"[^ \n]")


def _ascii_classes() -> bytes:
    """A translation table for ASCII text: S = where a token may start, X = what must not start
    one (&*!?%@`), C = a colon, B = a byte libyaml and yaml-rs may read differently (controls, tab,
    CR), . = the rest."""
    table = bytearray(b"." * 256)
    for byte in list(range(0x20)) + [0x7F]:
        table[byte] = ord("B")
    for byte in b" \n[{,":
        table[byte] = ord("S")
    for byte in b"&*!?%@`":
        table[byte] = ord("X")
    table[ord(":")] = ord("C")
    return bytes(table)


_CLASSES = _ascii_classes()


def _number_classes() -> bytes:
    table = bytearray(b"." * 256)
    for chars, cls in ((b" \n\t\r[{,", "S"), (b"+-", "G"), (b".", "P"), (b"0", "Z"), (b"123456789", "D"),
                       (b"_", "U"), (b"eE", "E"), (b"abcdfghijklmnopqrstuvwxyzABCDFGHIJKLMNOPQRSTUVWXYZ", "A")):
        for byte in chars:
            table[byte] = ord(cls)
    return bytes(table)


_NUMBER_CLASSES = _number_classes()


class GiveUp(Exception):
    """yaml-rs must not be trusted with this file."""


def plain_enough(text: str) -> bool:
    """Whether nothing in `text` can make yaml-rs and the reference parser disagree (see step 1).

    Nesting: no compact `- - x` and no `? ` key means at most two block collections start on one
    line (an item and a mapping after its `- `), and a block collection that starts on a later line
    is indented more than its parent, but for a list under a mapping key. With fewer than MAX_INDENT
    leading spaces that is at most 2 * (MAX_INDENT + 1) block levels, plus MAX_FLOW flow levels.
    """
    if "<<" in text or _COMPACT_SEQ.search(text) or not _lines_plain(text):
        return False
    if ("|" in text or ">" in text) and (not text.endswith("\n") or _EMPTY_BLOCK_AT_END.search(text)):
        return False  # yaml-rs ends a last block scalar with a line break the file does not have
    if text.isascii():
        raw = text.encode("ascii")
        classes = raw.translate(_CLASSES)
        if b"B" in classes or b"SX" in classes or classes.startswith(b"X"):
            return False
        if (b"SC" in classes or classes.startswith(b"C")) and _COLON_START.search(text):
            return False
        return _flow_depth_ok(raw.translate(None, _NON_BRACKET_BYTES), _INNER_PAIR_BYTES)
    if _BAD_CHARS.search(text) or _SPECIAL.search(text) or _COLON_START.search(text):
        return False
    return _flow_depth_ok(_NOT_BRACKET.sub("", text), _INNER_PAIR)


def _lines_plain(text: str) -> bool:
    """No document end marker, directive, content after `---`, or MAX_INDENT leading spaces."""
    head = text[:MAX_INDENT]
    if head.startswith(("...", "%", " " * MAX_INDENT)) or "\n..." in text or "\n%" in text:
        return False
    if "\n" + " " * MAX_INDENT in text:
        return False
    return not (("--- " in text) and _MARKER_CONTENT.search(text))


def _flow_depth_ok(brackets, inner_pair: re.Pattern) -> bool:
    """Whether `brackets` (the text's brackets only) nest at most MAX_FLOW deep; brackets in strings
    count too, which only ever declines a file."""
    for _ in range(MAX_FLOW):
        if not brackets:
            return True
        brackets, removed = inner_pair.subn(b"" if isinstance(brackets, bytes) else "", brackets)
        if not removed:
            return False
    return not brackets


def values_of(text: str, max_nodes: int) -> tuple[list, int, list[tuple[int, int]]] | None:
    """The documents' values, the number of values and each document's span; None: give up."""
    if yaml_rs is None or not plain_enough(text):
        return None
    spans = document_spans(text)
    try:
        loaded = yaml_rs.loads(text, parse_datetime=False)
    except Exception:  # a syntax error, a duplicate key, a mapping as a key (TypeError), ...: the others report it
        return None
    if len(spans) == 1:
        values = [loaded]
    elif len(spans) == 0:
        if loaded is not None:
            return None
        values = []
    else:
        if not isinstance(loaded, list) or len(loaded) != len(spans):
            return None
        values = loaded
    if any(value.__class__ is not dict and value.__class__ is not list and value is not None for value in values):
        return None  # a scalar document is never an entity; the reference parser reports it exactly
    counter = _Counter()
    try:
        nodes = sum(counter.count(value) for value in values)
    except GiveUp:
        return None
    if nodes > max_nodes or (counter.numbers and _risky_number(text)):
        return None
    return values, nodes, spans


def _risky_number(text: str) -> bool:
    """Whether a plain token may be a number yaml-rs reads differently (`012`, `1_000`, `0x1F`, `1e3`)."""
    return _RISKY_NUMBER.search(b"S" + text.encode("utf-8").translate(_NUMBER_CLASSES)) is not None


class _Counter:
    """Counts values like the reference parser; notes numbers; gives up on a key that is not text."""

    __slots__ = ("numbers",)

    def __init__(self) -> None:
        self.numbers = False

    def count(self, value: object) -> int:
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
                            nodes += self.count(sub) - 1
                        elif inner is int or inner is float:
                            self.number(sub)
                elif kind is dict:
                    nodes += self.count(item) - 1
                elif kind is int or kind is float:
                    self.number(item)
            return nodes
        if cls is list:
            nodes = 1
            for item in value:  # type: ignore[union-attr]
                kind = item.__class__
                if kind is dict or kind is list:
                    nodes += self.count(item)
                else:
                    if kind is int or kind is float:
                        self.number(item)
                    nodes += 1
            return nodes
        if cls is int or cls is float:
            self.number(value)
        return 1

    def number(self, value: float) -> None:
        """Note a number; give up on one of 39 digits or more (the reference keeps over 40 as text)."""
        self.numbers = True
        if value.__class__ is int and not -BIG < value < BIG:
            raise GiveUp


def document_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of each document: from after its `---` (or 0, when the text has content
    before its first `---`) to the start of the next `---` line."""
    markers = _markers(text)
    first = markers[0] if markers else len(text)
    spans = [(0, first)] if _CONTENT.search(text, 0, first) is not None else []
    ends = [*markers[1:], len(text)] if markers else []
    spans.extend((marker + 3, end) for marker, end in zip(markers, ends, strict=True))
    return spans


def _markers(text: str) -> list[int]:
    """Offsets of the `---` document markers (at a line start, followed by a space, line end or the end)."""
    found = [0] if text.startswith("---") else []
    at = text.find("\n---")
    while at >= 0:
        found.append(at + 1)
        at = text.find("\n---", at + 4)
    return [m for m in found if text[m + 3:m + 4] in ("", " ", "\n")]


def top_positions(text: str, value: object, start: int, end: int) -> dict:
    """Positions of a document's root and, for a block-list root, of each item: what libyaml reports
    (line and column of the first character of each node), for the document in text[start:end].
    Empty (positions then come from the reference parser when asked for) when unsure."""
    root = _CONTENT.search(text, start, end)
    if root is None or value is None:
        return {}
    at = root.end() - 1
    line = text.count("\n", 0, at) + 1
    line_start = text.rfind("\n", 0, at) + 1
    indent = at - line_start
    top: dict = {(): (line, indent + 1)}
    if value.__class__ is not list or text[at] != "-":
        return top
    # each item's dash line; group 1: where its content starts when on the same line (the common case)
    item = _item_pattern(indent)
    matches = list(item.finditer(text, line_start, end))
    if len(matches) != len(value):  # type: ignore[arg-type]
        return top
    cursor, cursor_line = at, line
    for i, match in enumerate(matches):
        first = match.end(1)
        if first >= 0:
            column = first - match.start() + 1
        else:  # `-` then a line end or a comment: the content (if any) is on a later line
            first = _first_content_after(text, match.end())
            if first < 0:
                return top
            column = first - (text.rfind("\n", 0, first) + 1) + 1
            if column <= indent + 1:
                continue  # an empty item: libyaml places its null oddly; the reference parser tells if asked
        cursor_line += text.count("\n", cursor, first)
        cursor = first
        top[(i,)] = (cursor_line, column)
    return top


@functools.cache
def _item_pattern(indent: int) -> re.Pattern:
    return re.compile(r"^ {%d}-(?:[ ]+(?=[^ \n#])()|(?=[ \n]|$))" % indent, re.M)  # noqa: UP031 - a regex


def _first_content_after(text: str, at: int) -> int:
    """Offset of the first character of the node after a `-` indicator, skipping blanks and comments."""
    match = _NEXT_CONTENT.search(text, at)
    if match is None:
        return -1
    at = match.start()
    if text[at] != "#":
        return at
    newline = text.find("\n", at)
    following = _CONTENT.search(text, newline + 1) if newline >= 0 else None
    return -1 if following is None else following.end() - 1
