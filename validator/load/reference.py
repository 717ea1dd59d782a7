"""The reference parser: YAML text -> plain Python documents plus a position for every node.

It reads every file the fast tier (`load/fast.py`) declines, so every loader finding (SCH001, SCH002, SCH003,
SCH006, SCH007) and its exact position comes from here; the fast tier is tested against it. Values are built
straight from libyaml's events (PyYAML's C parser), never by PyYAML's constructor, because only there can we:

* refuse anchors, aliases, tags and merge keys *before* anything is expanded (a billion-laughs file costs one
  event, not gigabytes);
* see duplicate mapping keys (PyYAML's constructor silently keeps the last one);
* resolve plain scalars by the YAML 1.2 core schema, so `no`, `on`, `0123`, `1_000` and `12:30` stay what a reader
  sees (text) rather than YAML 1.1 booleans and sexagesimals;
* record, per document, `{path: (line, column)}` (1-based; the path is the chain of keys and indexes from the
  root; a key's position for a key, an item's for an index).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import yaml
from yaml import CSafeLoader as _Loader  # libyaml: PyYAML's wheels ship it, and its depth limit is SCH007

MAX_DEPTH = 64
MAX_NODES = 5_000_000  # values in one parse; about 1 GB of memory, 5x the 20,000-person benchmark
_TOO_DEEP = f"nesting deeper than {MAX_DEPTH} levels: flatten the document"

Position = tuple[int, int]
Path = tuple


@dataclass(slots=True)
class Document:
    """One YAML document of a file: its value and the positions of its nodes."""

    value: object
    positions: dict[Path, Position]
    index: int


@dataclass
class Problem:
    """Something wrong with the YAML itself, reported by the loader as a finding."""

    rule: str
    line: int
    column: int
    message: str
    # where in its document (SCH002: the duplicated key's path), so the finding can name the entity and field
    path: tuple | None = None
    document: int = 0


@dataclass
class ParseResult:
    """A file's documents as two lists (each document's value, its positions: the loader reads them so, without
    an object per document), its problems and the number of values built."""

    values: list = field(default_factory=list)
    positions: list = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    nodes: int = 0

    @property
    def documents(self) -> list[Document]:
        return list(map(Document, self.values, self.positions, range(len(self.values))))


_INT = re.compile(r"[-+]?[0-9]+\Z")
_LEADING_ZERO = re.compile(r"[-+]?0[0-9]")
_OCT_HEX = re.compile(r"0o[0-7]+\Z|0x[0-9a-fA-F]+\Z")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+\.[0-9]*)([eE][-+]?[0-9]+)?\Z")  # a float needs a point: `1e3` stays text
_INF_NAN = re.compile(r"[-+]?\.(inf|Inf|INF)\Z|\.(nan|NaN|NAN)\Z")
_WORDS = {"": None, "~": None, "null": None, "Null": None, "NULL": None,
          "true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
MAX_INT_DIGITS = 40
_NO_KEY, _DUPLICATE = object(), object()  # a mapping's pending key: none yet; a duplicate (its value is dropped)


def resolve_plain(text: str) -> object:
    """Resolve a plain (unquoted) scalar by the YAML 1.2 core schema."""
    if text in _WORDS:
        return _WORDS[text]
    first = text[0]
    if first.isdigit() or first in "+-.":
        if len(text) > MAX_INT_DIGITS and (_INT.match(text) or _OCT_HEX.match(text)):
            return text  # absurdly large: keep as text, the model reports the type
        if _INT.match(text):  # `0123`: octal in YAML 1.1, 123 in 1.2; kept as the reader sees it
            return text if _LEADING_ZERO.match(text) else int(text)
        if _OCT_HEX.match(text):
            return int(text, 0)
        if _FLOAT.match(text) and any(c.isdigit() for c in text):
            return float(text)
        if _INF_NAN.match(text):  # `-.inf` is float("-inf")
            return float(text.replace(".", "", 1))
    return text


def _pos(mark) -> Position:
    return (mark.line + 1, mark.column + 1)


class _Refused(Exception):
    """Reading stops here with one Problem (its argument)."""


def _refuse_special(event, what: str) -> None:
    """An anchor, alias or explicit tag: refused before anything is expanded."""
    anchor = getattr(event, "anchor", None)
    line, col = _pos(event.start_mark)
    if isinstance(event, yaml.AliasEvent):
        raise _Refused(Problem("SCH006", line, col, f"alias '*{anchor}' is not allowed: write the value out in "
                               "full so that a reviewer sees every value literally"))
    if anchor is not None:
        raise _Refused(Problem("SCH006", line, col, f"anchor '&{anchor}' is not allowed: remove it and write "
                               "every value out in full"))
    tag = getattr(event, "tag", None)
    if tag is not None:
        implicit = getattr(event, "implicit", None)
        # collections: implicit True means no explicit tag; scalars: a (plain, quoted) pair
        explicit = not implicit if isinstance(implicit, bool) else not (implicit and any(implicit))
        if explicit or tag == "!":
            raise _Refused(Problem("SCH006", line, col, f"tag '{tag}' on {what} is not allowed: remove it; "
                                   "dutyguard reads plain YAML values only"))


def parse(text: str, max_nodes: int = MAX_NODES) -> ParseResult:
    """Parse every document of `text`; documents completed before an error are kept. At most `max_nodes` values
    (scalars and collections) are built; `result.nodes` says how many were."""
    result = ParseResult()
    nodes = 0
    # stack frames: [container, its path, the pending key (mappings)]
    stack: list[list] = []
    positions: dict[Path, Position] = {}
    root: object = None
    try:
        for event in yaml.parse(text, Loader=_Loader):
            cls = type(event)
            if cls is yaml.ScalarEvent or cls is yaml.MappingStartEvent or cls is yaml.SequenceStartEvent:
                nodes += 1
                if nodes > max_nodes:
                    raise _Refused(Problem("SCH007", *_pos(event.start_mark), f"more than {max_nodes:,} values in "
                                           "the repository's YAML: the rest is not read; split the repository"))
            if cls is yaml.ScalarEvent:
                _refuse_special(event, "a value")
                value: object = resolve_plain(event.value) if event.implicit[0] else event.value
                if not _add(stack, positions, value, event, result):  # the path (): the document's root
                    root = value
            elif cls is yaml.MappingStartEvent or cls is yaml.SequenceStartEvent:
                _refuse_special(event, "a collection")
                if len(stack) >= MAX_DEPTH:
                    raise _Refused(Problem("SCH007", *_pos(event.start_mark), _TOO_DEEP))
                container: object = {} if cls is yaml.MappingStartEvent else []
                path = _add(stack, positions, container, event, result)
                stack.append([container, path, _NO_KEY])
                if len(stack) == 1:
                    root = container
            elif cls is yaml.MappingEndEvent or cls is yaml.SequenceEndEvent:
                stack.pop()
            elif cls is yaml.DocumentEndEvent:
                result.values.append(root)
                result.positions.append(positions)
                positions, root = {}, None
            elif cls is yaml.AliasEvent:
                _refuse_special(event, "a value")
    except _Refused as refused:
        result.problems.append(refused.args[0])
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line, col = _pos(mark) if mark else (1, 1)
        problem = (err.problem or str(err)).strip()
        if "nesting depth" in problem:  # libyaml's own depth limit (PyYAML 6.0.4 and newer): the same SCH007
            result.problems.append(Problem("SCH007", line, col, _TOO_DEEP))
        else:
            context = f" ({err.context})" if err.context else ""
            result.problems.append(Problem("SCH001", line, col, f"not valid YAML: {problem}{context}"))
    except yaml.reader.ReaderError as err:  # control characters, NUL bytes, ...
        line, col = _byte_position(text, err.position)
        code = ord(err.character) if isinstance(err.character, str) else err.character
        result.problems.append(Problem("SCH001", line, col, f"not valid YAML: character U+{code:04X} "
                                       f"at line {line}, column {col}: {err.reason}; remove it"))
    except yaml.YAMLError as err:
        result.problems.append(Problem("SCH001", 1, 1, "not valid YAML: " + " ".join(str(err).split())))
    result.nodes = nodes
    return result


def _byte_position(text: str, offset: int) -> Position:
    """libyaml reports reader errors as a byte offset into the UTF-8 text: turn it into line, column."""
    before = text.encode("utf-8")[:offset].decode("utf-8", "ignore")
    return before.count("\n") + 1, len(before) - before.rfind("\n")


def _add(stack: list[list], positions: dict, value: object, event, result: ParseResult) -> Path:
    """Attach `value` to the container on top of the stack; return the value's path."""
    pos = _pos(event.start_mark)
    if not stack:
        positions[()] = pos
        return ()
    frame = stack[-1]
    container = frame[0]
    if type(container) is list:
        path = (*frame[1], len(container))
        container.append(value)
        positions[path] = pos
        return path
    key = frame[2]
    if key is _NO_KEY:  # this node is a key
        if isinstance(value, (dict, list)):
            raise _Refused(Problem("SCH003", *pos, "a mapping key must be a plain value, not a mapping or list"))
        if value == "<<" and event.implicit[0]:
            raise _Refused(Problem("SCH006", *pos, "merge key '<<' is not allowed: write every field out in full"))
        value = "null" if value is None else value
        path = (*frame[1], value)
        if path in positions:  # (a mapping's paths in `positions` are its keys')
            result.problems.append(Problem(
                "SCH002", pos[0], pos[1],
                f"duplicate key '{value}' (first at line {positions[path][0]}, again at line {pos[0]}): "
                "YAML keeps only one of them; remove or merge the duplicate", path, len(result.values)))
            frame[2] = _DUPLICATE
        else:
            frame[2] = value
            positions[path] = pos
        return path
    frame[2] = _NO_KEY
    if key is _DUPLICATE:  # keep the first value of a duplicated key
        return (*frame[1], "\x00duplicate")
    container[key] = value
    return (*frame[1], key)
