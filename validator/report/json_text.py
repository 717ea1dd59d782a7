"""JSON text exactly as `json.dump(value, stream, indent=2, ensure_ascii=True)` writes it, without json's slow path.

With an indent, the standard library encodes in pure Python: a generator per nesting level and a
write per token, which is most of the time `--format json` and `--format sarif` take on an
organisation with thousands of findings. This walks the value once, escapes strings with json's own
C function and writes a few thousand pieces at a time, so the bytes are the same (property-tested
against json.dumps). A value it does not handle itself (a float, a dict with a key that is not a
string, a subclass) is written by json, indented to its place.
"""

from __future__ import annotations

import json
from itertools import repeat
from json.encoder import encode_basestring_ascii as _string  # type: ignore[attr-defined]
from typing import TextIO

_CHUNK = 4096  # pieces joined and written at once


def dumps(value: object) -> str:
    """`json.dumps(value, indent=2, ensure_ascii=True)`."""
    out: list[str] = []
    _encode(value, "\n", out, None)
    return "".join(out)


def dump(value: object, stream: TextIO) -> None:
    """`json.dump(value, stream, indent=2, ensure_ascii=True)`, never holding the whole text at once."""
    out: list[str] = []
    _encode(value, "\n", out, stream)
    stream.write("".join(out))


def _encode(value: object, newline: str, out: list[str], stream: TextIO | None) -> None:
    """Append `value` at a nesting level whose lines start with `newline` (a line break and its indent);
    with a stream, write out what is pending after an item of a list."""
    kind = type(value)
    if kind is str:
        out.append(_string(value))
    elif kind is dict and all(map(isinstance, value, repeat(str))):  # type: ignore[call-overload]
        if not value:
            out.append("{}")
            return
        inner = newline + "  "
        separator = "{" + inner
        for key, item in value.items():  # type: ignore[attr-defined]
            out.append(separator)
            out.append(_string(key))
            out.append(": ")
            _encode(item, inner, out, stream)
            separator = "," + inner
        out.append(newline + "}")
    elif kind is list or kind is tuple:
        if not value:
            out.append("[]")
            return
        inner = newline + "  "
        separator = "[" + inner
        for item in value:  # type: ignore[attr-defined]
            out.append(separator)
            _encode(item, inner, out, stream)
            separator = "," + inner
            if stream is not None and len(out) > _CHUNK:
                stream.write("".join(out))
                out.clear()
        out.append(newline + "]")
    elif kind is int:
        out.append(int.__repr__(value))  # type: ignore[arg-type]
    elif value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    else:  # json's own rules (a string escaped with ensure_ascii holds no line break to re-indent)
        out.append(json.dumps(value, indent=2, ensure_ascii=True).replace("\n", newline))
