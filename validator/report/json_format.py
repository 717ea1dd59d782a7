"""`--format json`: the shape in SPEC.md section 4."""

from __future__ import annotations

from typing import TYPE_CHECKING, TextIO

from validator.report.json_text import dump

if TYPE_CHECKING:
    from validator.engine import Result


def as_dict(result: Result) -> dict:
    return {"findings": [f.as_json() for f in result.findings], "counts": result.counts}


def report(result: Result, stream: TextIO) -> None:
    dump(as_dict(result), stream)  # as json.dump(indent=2, ensure_ascii=True): invisible characters as \uXXXX
    stream.write("\n")
