"""The command line: a thin layer that parses arguments and hands over to `validator.commands`."""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from validator import __version__
from validator.findings import UsageError

INTERNAL_ERROR = 70  # EX_SOFTWARE: neither "errors found" (1) nor "bad usage" (2)

VERBS = {
    "validate": "all rules; exit 1 when errors are found",
    "oncall": "who each escalation level of a service pages at a moment",
    "access": "effective access per person or role, with the path",
    "diff": "what a change does to access, ownership, on-call and findings",
    "render": "render PagerDuty, AWS IAM, CODEOWNERS, a static site, Backstage or incident.io configuration",
    "calendar": "on-call shifts as an iCalendar file",
    "prune": "remove expired grants and waivers from the YAML",
    "explain": "a rule's documentation",
    "schema": "JSON Schema of every kind, for editors",
    "lsp": "a Language Server for editors (LSP over standard input/output)",
    "import": "YAML for this repository from saved PagerDuty API responses",
    "init": "a new repository skeleton that validates clean",
}
MODULES = {"import": "import_"}  # verbs that are Python keywords


class _Formatter(argparse.HelpFormatter):
    """argparse's help formatter, measuring the terminal only when help is written: argparse makes one for
    every option it adds, and measuring imports shutil (with bz2 and lzma), which a run does not need."""

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24,
                 width: int | None = None) -> None:
        super().__init__(prog, indent_increment, max_help_position, 80 if width is None else width)
        if width is None:  # found on first read, as argparse finds them (`__getattr__`)
            self._asked_position = max_help_position
            del self._width, self._max_help_position

    def __getattr__(self, name: str):
        if name not in ("_width", "_max_help_position"):
            raise AttributeError(name)
        import shutil

        width = shutil.get_terminal_size().columns - 2
        self._width = width
        self._max_help_position = min(self._asked_position, max(width - 20, self._indent_increment * 2))
        return getattr(self, name)


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line and exit 2."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> None:  # type: ignore[override]
        if message.startswith("unrecognized arguments") and any(
                word.split("=", 1)[0] in GLOBAL_OPTIONS for word in message.split()):
            raise UsageError(f"{message}: the global options {', '.join(GLOBAL_OPTIONS)} come before the verb, "
                             "as in 'dutyguard --repo PATH --now ISO validate'")
        raise UsageError(f"{message} (see '{self.prog} --help')")


GLOBAL_OPTIONS = ("--repo", "--now", "--no-cache")


def build_parser(verb: str | None = None) -> argparse.ArgumentParser:
    """The command line; given a `verb`, only that verb's options are set up (each verb's module is imported
    for them: `validate` need not import the renderers, the language server or git)."""
    parser = _Parser(prog="dutyguard", description="Validate and render service ownership, on-call "
                     "rotations and production access kept as YAML in git.")
    parser.add_argument("--version", action="version", version=f"dutyguard {__version__}")
    parser.add_argument("--repo", default=".", metavar="PATH",
                        help="repository root holding ownership/ and policy/ (default: .)")
    parser.add_argument("--now", metavar="ISO", help="fix the clock (ISO 8601; no offset means UTC)")
    parser.add_argument("--no-cache", action="store_true",
                        help="accepted for older scripts; does nothing (dutyguard keeps no cache)")
    sub = parser.add_subparsers(dest="verb", metavar="VERB", parser_class=_Parser)
    sub.required = True
    for name, help_text in VERBS.items():
        chosen = verb is None or verb == name
        verb_parser = sub.add_parser(name, help=help_text, description=help_text, add_help=chosen)
        if chosen:
            importlib.import_module(f"validator.commands.{MODULES.get(name, name)}").configure(verb_parser)
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        verb = build_parser("").parse_known_args(argv)[0].verb  # no verb's options yet: only which verb
        args = build_parser(verb).parse_args(argv)
        module = importlib.import_module(f"validator.commands.{MODULES.get(args.verb, args.verb)}")
        return int(module.run(args))
    except UsageError as err:
        print(f"dutyguard: error: {err}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `dutyguard ... | head`
        return 0
    except KeyboardInterrupt:
        print("dutyguard: interrupted", file=sys.stderr)
        return 130
    except Exception as err:  # a bug in dutyguard, not in the user's input: say so in one line
        if os.environ.get("DUTYGUARD_DEBUG"):
            raise
        print(f"dutyguard: internal error: {type(err).__name__}: {err} — this is a bug in dutyguard "
              "(rerun with DUTYGUARD_DEBUG=1 for the traceback and report it)", file=sys.stderr)
        return INTERNAL_ERROR


def run() -> None:
    """The `dutyguard` program."""
    raise SystemExit(main())


if __name__ == "__main__":
    run()
