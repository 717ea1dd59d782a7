"""JSON text exactly as `json.dumps(value, indent=2, ensure_ascii=True)` writes it, without json's slow path.

With an indent, the standard library encodes in pure Python: a generator per nesting level and a
chunk per token, which is most of the time `--format json` and `--format sarif` take on an
organisation with thousands of findings. This walks the value once and joins the pieces, escaping
strings with json's own C function, so the bytes are the same (property-tested against json.dumps).
A value it does not handle (a float, a key that is not a string, any other type) is left to json.
"""

from __future__ import annotations

import json
from json.encoder import encode_basestring_ascii as _string  # type: ignore[attr-defined]


class _Unhandled(Exception):
    pass


def dumps(value: object) -> str:
    """`json.dumps(value, indent=2, ensure_ascii=True)`."""
    out: list[str] = []
    try:
        _encode(value, "\n", out)
    except _Unhandled:
        return json.dumps(value, indent=2, ensure_ascii=True)
    return "".join(out)


def _encode(value: object, newline: str, out: list[str]) -> None:
    """Append `value` at a nesting level whose lines start with `newline` (a line break and its indent)."""
    kind = type(value)
    if kind is str:
        out.append(_string(value))
    elif kind is dict:
        if not value:
            out.append("{}")
            return
        inner = newline + "  "
        separator = "{" + inner
        for key, item in value.items():  # type: ignore[attr-defined]
            if type(key) is not str:
                raise _Unhandled
            out.append(separator)
            out.append(_string(key))
            out.append(": ")
            _encode(item, inner, out)
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
            _encode(item, inner, out)
            separator = "," + inner
        out.append(newline + "]")
    elif kind is int:
        out.append(int.__repr__(value))  # type: ignore[arg-type]
    elif value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    else:  # floats, subclasses, anything else: json's own rules
        raise _Unhandled
