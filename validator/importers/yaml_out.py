"""A small, deterministic YAML writer for imported entities, with comments where a human must look.

Every string that is not a plain id is written double-quoted, with control, invisible and
direction-changing characters escaped (`\\u200b`), so that what a reviewer reads is what is there.
No anchors, aliases or tags (SCH006): every value is written out literally.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

_PLAIN = re.compile(r"^[A-Za-z][A-Za-z0-9_/+-]*$|^[0-9]{1,6}[mhdw]$")
# YAML 1.1 words that a plain scalar would turn into booleans or null
_RESERVED = {"y", "n", "yes", "no", "on", "off", "true", "false", "null"}


@dataclass
class Doc:
    """One entity: ordered fields, each with optional comment lines written above it."""

    fields: list[tuple[str, Any]] = field(default_factory=list)
    comments: dict[str, list[str]] = field(default_factory=dict)
    header: list[str] = field(default_factory=list)

    def set(self, key: str, value: Any, *comment: str) -> None:
        self.fields.append((key, value))
        if comment:
            self.comments.setdefault(key, []).extend(comment)

    def note(self, key: str, *comment: str) -> None:
        self.comments.setdefault(key, []).extend(comment)


def escape_char(char: str) -> str:
    code = ord(char)
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def _hidden(char: str) -> bool:
    return unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp", "Co", "Cs", "Cn") or char in "\x85\ufeff"


def quote(text: str) -> str:
    out = []
    for char in text:
        if char == "\\":
            out.append("\\\\")
        elif char == '"':
            out.append('\\"')
        elif _hidden(char):
            out.append(escape_char(char))
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def inert(text: str) -> str:
    """Text for a comment or a message line: one line, hidden characters shown escaped."""
    return "".join(escape_char(c) if _hidden(c) else c for c in str(text))


def scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if value is None:
        return "null"
    text = str(value)
    if _PLAIN.match(text) and text.lower() not in _RESERVED:
        return text
    return quote(text)


def _flow(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{scalar(k)}: {_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    return scalar(value)


def _comment_lines(lines: list[str], indent: str) -> list[str]:
    return [f"{indent}# {inert(line)}".rstrip() for line in lines]


def _block(key: str, value: Any, indent: str, comments: list[str]) -> list[str]:
    out = _comment_lines(comments, indent)
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        out.append(f"{indent}{key}:")
        for item in value:
            out.extend(_mapping_item(item, indent + "  "))
        return out
    if isinstance(value, dict) and value and any(isinstance(v, (dict, list)) for v in value.values()):
        out.append(f"{indent}{key}:")
        for sub_key, sub_value in value.items():
            out.extend(_block(scalar(sub_key), sub_value, indent + "  ", []))
        return out
    out.append(f"{indent}{key}: {_flow(value)}")
    return out


def _mapping_item(item: dict, indent: str) -> list[str]:
    """A list item that is a mapping: `- key: value` then the other keys aligned under it."""
    comments: dict[str, list[str]] = item.get("__comments__", {})
    pairs = [(k, v) for k, v in item.items() if k != "__comments__"]
    out: list[str] = []
    for index, (key, value) in enumerate(pairs):
        lines = _block(scalar(key), value, indent + "  ", comments.get(key, []))
        if index == 0:
            # comments before the dash; the first key goes on the dash's line
            while lines and lines[0].lstrip().startswith("#"):
                out.append(indent + lines.pop(0).lstrip())
            lines[0] = indent + "- " + lines[0][len(indent) + 2:]
        out.extend(lines)
    return out


def dump_docs(docs: list[Doc], header: list[str]) -> bytes:
    lines = _comment_lines(header, "")
    for doc in docs:
        lines.append("---")
        lines.extend(_comment_lines(doc.header, ""))
        for key, value in doc.fields:
            lines.extend(_block(key, value, "", doc.comments.get(key, [])))
    return ("\n".join(lines) + "\n").encode("utf-8")
