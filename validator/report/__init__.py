"""report: a registry of output formats. A reporter reads a `Result`, never a rule."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from validator.engine import Result

Reporter = Callable[["Result", TextIO], None]

# format name -> module with a `report(result, stream)` function; imported only when asked for
FORMATS = {
    "text": "validator.report.text",
    "json": "validator.report.json_format",
    "github": "validator.report.github",
    "sarif": "validator.report.sarif",
    "junit": "validator.report.junit",
}


def get_reporter(name: str) -> Reporter:
    return importlib.import_module(FORMATS[name]).report
