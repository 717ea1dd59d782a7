"""Remove expired grants and expired waivers from the YAML files, in place.

Everything else stays byte-identical: the entity's own lines are cut out of the text (located
with the loader's positions and libyaml's node marks), never re-serialised. Each edited file is
parsed again and must hold exactly the old entities minus the removed ones; a file where that
does not hold (flow-style lists, several entities on one line) falls back to a ruamel.yaml
round trip, and is left alone with a message if that fails too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import yaml

from validator.load import LoadResult, SourceFile, load_repo, load_sources
from validator.model import build_org
from validator.model.types import end_of

# the pure-Python composer: it lets us peek at each document's start event (C's does not)
_Loader = yaml.SafeLoader


@dataclass(frozen=True)
class Removal:
    path: str
    line: int
    entity: str          # 'grant:old-access' or 'waiver ROT001 for service:x'
    expires: str
    position: tuple[int, int]            # the entity's (line, column), 1-based
    waiver: int | None = None            # index in Settings.waivers


@dataclass
class PruneResult:
    removals: list[Removal] = field(default_factory=list)
    edits: dict[str, bytes | None] = field(default_factory=dict)   # None: delete the file
    problems: list[str] = field(default_factory=list)


def plan(root: Path, now: datetime) -> PruneResult:
    """What to remove, and the new content of every file touched (nothing is written)."""
    loaded = load_repo(root)
    org, _ = build_org(loaded)
    result = PruneResult()
    for grant in org.grants.values():
        if not grant.is_live(now):
            source = org.sources[grant.ref]
            assert grant.expires is not None
            result.removals.append(Removal(source.path, source.line, grant.ref, grant.expires.isoformat(),
                                           source.position()))
    settings = org.sources.get("settings")
    if org.settings_declared and settings is not None:
        for i, waiver in enumerate(org.settings.waivers):
            if end_of(waiver.expires) <= now:
                result.removals.append(Removal(
                    settings.path, settings.line_of(("waivers", i)), f"waiver of {waiver.rule} for {waiver.entity}",
                    waiver.expires.isoformat(), settings.position(), i))
    result.removals.sort(key=lambda r: (r.path, r.line))
    for path in sorted({r.path for r in result.removals}):
        mine = [r for r in result.removals if r.path == path]
        data = (root / path).read_bytes()
        new, problem = edit_file(path, data, mine, loaded)
        if problem:
            result.problems.append(problem)
            result.removals = [r for r in result.removals if r.path != path]
        else:
            result.edits[path] = new
    return result


def apply(root: Path, result: PruneResult) -> None:
    from validator.render.atomic import write_files_atomic

    write_files_atomic({root / path: data for path, data in result.edits.items()})  # all files or none


# --- editing one file --------------------------------------------------------------------

def edit_file(path: str, data: bytes, removals: list[Removal], loaded: LoadResult) -> tuple[bytes | None, str | None]:
    """New bytes for a file without the removed entities (None: the file is left empty)."""
    text = data.decode("utf-8")
    expected = _expected_entities(path, loaded, removals)
    known = sum(1 for f in loaded.findings if f.path == path)
    try:
        new_text = _cut(text, removals)
    except _CannotCut:
        new_text = None
    if new_text is None or not _holds(path, new_text, expected, known):
        new_text = _round_trip(text, removals)
        if new_text is None or not _holds(path, new_text, expected, known):
            return None, (f"{path}: could not remove {', '.join(r.entity for r in removals)} without changing "
                          "anything else; remove it by hand")
    if not expected and _only_comments(new_text):
        return None, None
    return new_text.encode("utf-8"), None


def _expected_entities(path: str, loaded: LoadResult, removals: list[Removal]) -> list[dict]:
    gone = {r.position for r in removals if r.waiver is None}
    dropped = {r.waiver for r in removals if r.waiver is not None}
    out = []
    for raw in loaded.entities:
        if raw.source.path != path or raw.source.position() in gone:
            continue
        data = raw.data
        if dropped and data.get("kind") == "Settings":
            data = dict(data)
            data["waivers"] = [w for i, w in enumerate(data.get("waivers") or []) if i not in dropped]
        out.append(data)
    return out


def _holds(path: str, text: str, expected: list[dict], known: int = 0) -> bool:
    """The edited text parses (no more loader findings than before) to exactly `expected`."""
    again = load_sources([SourceFile(path, text.encode("utf-8"))])
    if len(again.findings) > known:
        return False
    return [e.data for e in again.entities] == expected


def _only_comments(text: str) -> bool:
    for line in text.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#") and stripped not in ("---", "..."):
            return False
    return True


class _CannotCut(Exception):
    pass


def _cut(text: str, removals: list[Removal]) -> str:
    lines = text.splitlines(keepends=True)
    documents = list(_documents(text))
    spans: list[tuple[int, int]] = []
    rewrites: dict[int, str] = {}
    for removal in removals:
        found = _locate(documents, removal.position)
        if found is None:
            raise _CannotCut
        kind, node, parent, doc_marks = found
        if removal.waiver is not None:
            spans.extend(_waiver_spans(lines, node, removal, removals, rewrites))
        elif kind == "document":
            spans.append(_document_span(lines, node, doc_marks))
        else:
            spans.append(_item_span(lines, node, parent))
    keep = [True] * len(lines)
    for first, last in _tidy(lines, spans):
        for i in range(first, last + 1):
            keep[i] = False
    return "".join(rewrites.get(i, line) for i, line in enumerate(lines) if keep[i])


def _documents(text: str) -> list[tuple[object, int | None]]:
    """(root node, line of an explicit `---` or None) per document, from libyaml."""
    loader = _Loader(text)
    out: list[tuple[object, int | None]] = []
    try:
        while loader.check_node():
            start = loader.peek_event()
            explicit = start.start_mark.line if getattr(start, "explicit", False) else None
            out.append((loader.get_node(), explicit))
    except yaml.YAMLError as err:
        raise _CannotCut from err
    finally:
        loader.dispose()
    return out


def _locate(documents, position):
    line, column = position[0] - 1, position[1] - 1
    for node, explicit_start in documents:
        if node is None:
            continue
        if isinstance(node, yaml.MappingNode) and (node.start_mark.line, node.start_mark.column) == (line, column):
            return "document", node, None, explicit_start
        if isinstance(node, yaml.SequenceNode):
            for item in node.value:
                if (item.start_mark.line, item.start_mark.column) == (line, column):
                    return "item", item, node, explicit_start
    return None


def _content_end(node) -> int:
    """The last line (0-based) holding part of the node's content."""
    if isinstance(node, yaml.ScalarNode) or getattr(node, "flow_style", False):
        mark = node.end_mark
        return mark.line - 1 if mark.column == 0 and mark.line > node.start_mark.line else mark.line
    ends = [node.start_mark.line]
    for child in node.value:
        if isinstance(child, tuple):
            ends.extend(_content_end(part) for part in child)
        else:
            ends.append(_content_end(child))
    return max(ends)


def _item_span(lines: list[str], item, sequence) -> tuple[int, int]:
    if getattr(sequence, "flow_style", False):
        raise _CannotCut
    first = item.start_mark.line
    before = lines[first][:item.start_mark.column]
    if before.strip() and not before.rstrip().endswith("-"):
        raise _CannotCut
    if not before.strip():  # the dash stands alone on an earlier line
        first -= 1
        while first >= 0 and (not lines[first].strip() or lines[first].lstrip().startswith("#")):
            first -= 1
        if first < 0 or lines[first].strip() != "-":
            raise _CannotCut
    dash_column = len(lines[first]) - len(lines[first].lstrip())
    first = _attached_comments(lines, first, dash_column)
    last = _content_end(item)
    while last + 1 < len(lines) and lines[last + 1].lstrip().startswith("#") and (
            len(lines[last + 1]) - len(lines[last + 1].lstrip()) > dash_column):
        last += 1  # a comment indented inside the item belongs to it
    for sibling in sequence.value:
        if sibling is not item and sibling.start_mark.line in range(first, last + 1):
            raise _CannotCut
    return first, last


def _attached_comments(lines: list[str], first: int, dash_column: int) -> int:
    """Include the comment lines right above an item (no blank line between, indented no deeper
    than its dash): they describe it. A comment block that opens the file or document is a
    header and stays."""
    top = first
    while top > 0:
        line = lines[top - 1]
        stripped = line.lstrip()
        if not stripped.startswith("#") or len(line) - len(stripped) > dash_column:
            break
        top -= 1
    if top == first:
        return first
    if top == 0 or lines[top - 1].strip() in ("---",) or lines[top - 1].startswith("--- "):
        return first
    return top


def _document_span(lines: list[str], node, explicit_start) -> tuple[int, int]:
    first = explicit_start if explicit_start is not None else node.start_mark.line
    last = _content_end(node)
    after = last + 1
    while after < len(lines) and (not lines[after].strip() or lines[after].lstrip().startswith("#")):
        after += 1
    if after < len(lines) and lines[after].strip() == "...":
        last = after
    return first, last


def _waiver_spans(lines, settings, removal, removals, rewrites) -> list[tuple[int, int]]:
    for key, value in settings.value:
        if key.value == "waivers" and isinstance(value, yaml.SequenceNode):
            break
    else:
        raise _CannotCut
    mine = {r.waiver for r in removals if r.waiver is not None}
    if removal.waiver != min(mine):
        return []  # all waivers of the file are handled at once
    if value.flow_style:
        raise _CannotCut
    spans = [_item_span(lines, value.value[i], value) for i in sorted(mine)]
    if len(mine) == len(value.value):  # the list becomes empty: `waivers: []`
        row = key.end_mark.line
        line = lines[row]
        colon = line.index(":", key.end_mark.column)
        rewrites[row] = line[:colon + 1] + " []" + line[colon + 1:]
    return spans


def _tidy(lines: list[str], spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Widen spans over the blank lines that separated the removed entity from its neighbours."""
    out = []
    for first, last in sorted(spans):
        after = last + 1
        while after < len(lines) and not lines[after].strip():
            after += 1
        if after == len(lines):  # nothing but blank lines follows: drop the blank lines before it too
            while first > 0 and not lines[first - 1].strip():
                first -= 1
            last = len(lines) - 1
        elif first == 0 or not lines[first - 1].strip():
            last = after - 1
        out.append((first, last))
    return out


# --- the fallback ------------------------------------------------------------------------

def _round_trip(text: str, removals: list[Removal]) -> str | None:
    """ruamel.yaml round trip for what line cutting cannot do (flow-style lists)."""
    import io

    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    rt = YAML(typ="rt")
    rt.preserve_quotes = True
    rt.width = 4096
    rt.indent(mapping=2, sequence=4, offset=2)
    try:
        documents = list(rt.load_all(text))
        waivers = sorted((r.waiver for r in removals if r.waiver is not None), reverse=True)
        for document in documents:
            if waivers and isinstance(document, dict) and document.get("kind") == "Settings":
                for index in waivers:
                    del document["waivers"][index]
                waivers = []
        for removal in removals:
            if removal.waiver is None and not _remove_rt(documents, removal):
                return None
        if waivers:
            return None
        stream = io.StringIO()
        rt.dump_all([d for d in documents if d is not _GONE], stream)
    except (YAMLError, ValueError, TypeError, KeyError, IndexError):
        return None
    return stream.getvalue()


_GONE = object()


def _remove_rt(documents: list, removal: Removal) -> bool:
    line, column = removal.position[0] - 1, removal.position[1] - 1
    for index, document in enumerate(documents):
        if isinstance(document, dict) and _at(document, line, column):
            documents[index] = _GONE
            return True
        if isinstance(document, list):
            for i, item in enumerate(document):
                if isinstance(item, dict) and _at(item, line, column):
                    del document[i]
                    return True
    return False


def _at(node, line: int, column: int) -> bool:
    lc = getattr(node, "lc", None)
    return lc is not None and (lc.line, lc.col) == (line, column)
