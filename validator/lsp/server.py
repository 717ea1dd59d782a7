"""`dutyguard lsp`: the Language Server (pygls, lsprotocol types) over the incremental `Workspace`.

Clock: the server's `now` comes from `--now` or `initializationOptions.now` when given (fixed),
else the real time; findings that depend on now are refreshed every hour (a timer), or at once
by the command `dutyguard.refresh` (optional argument: the new `now`, ISO 8601) or the
notification `dutyguard/setNow` `{"now": ISO}`.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from lsprotocol import types
from pygls import uris
from pygls.lsp.server import LanguageServer

from validator import __version__
from validator.lsp import adapter, features
from validator.lsp.workspace import Update, Workspace, is_repo_yaml

REFRESH_SECONDS = 3600
SEVERITY = {"error": types.DiagnosticSeverity.Error, "warning": types.DiagnosticSeverity.Warning,
            "waived": types.DiagnosticSeverity.Information}
logger = logging.getLogger("dutyguard.lsp")


def parse_now(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


class DutyguardServer(LanguageServer):
    def __init__(self, root: Path, fixed_now: datetime | None = None):
        super().__init__("dutyguard", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Incremental)
        self.root = Path(root).resolve()
        self.fixed_now = fixed_now
        self.ws: Workspace | None = None
        self.open: dict[str, str] = {}  # path -> uri of documents open in the editor
        self.published: set[str] = set()
        self.timer: asyncio.TimerHandle | None = None
        self.last_update_ms = 0.0

    # --- clock ---------------------------------------------------------------------------------
    def clock(self) -> datetime:
        return self.fixed_now or datetime.now(UTC).replace(microsecond=0)

    def refresh(self, now: datetime | None = None) -> None:
        if now is not None:
            self.fixed_now = now
        if self.ws is not None:
            self.apply(self.ws.set_now(self.clock()))

    def schedule(self) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        self.timer = loop.call_later(REFRESH_SECONDS, self._tick)

    def _tick(self) -> None:
        try:
            self.refresh()
        finally:
            self.schedule()

    # --- paths ---------------------------------------------------------------------------------
    def path_of(self, uri: str) -> str | None:
        fs = uris.to_fs_path(uri)
        if fs is None:
            return None
        full = Path(os.path.abspath(fs))
        try:
            rel = full.relative_to(self.root)
        except ValueError:
            try:
                rel = full.resolve().relative_to(self.root)
            except ValueError:
                return None
        path = rel.as_posix()
        return path if is_repo_yaml(path) else None

    def uri_of(self, path: str) -> str:
        return self.open.get(path) or uris.from_fs_path(str(self.root / path)) or ""

    # --- diagnostics ---------------------------------------------------------------------------
    def start_workspace(self) -> None:
        started = time.perf_counter()
        self.ws = Workspace(self.root, self.clock())
        update = self.ws.load()
        self.apply(update)
        self.window_log_message(types.LogMessageParams(
            types.MessageType.Info, f"dutyguard: {len(self.ws.files)} files validated in "
            f"{time.perf_counter() - started:.2f} s, {len(self.ws.findings)} findings"))

    def apply(self, update: Update, also: set[str] = frozenset()) -> None:  # type: ignore[assignment]
        """Publish the diagnostics of every file whose findings changed (and of `also`)."""
        assert self.ws is not None
        for path in sorted(update.paths | set(also)):
            if not path:  # a finding with no file (an entity without a place): said in the log instead
                for finding in self.ws.by_path.get("", []):
                    self.window_log_message(types.LogMessageParams(
                        types.MessageType.Warning, f"dutyguard: {finding.rule} {finding.entity}: {finding.message}"))
                continue
            self.publish(path)

    def publish(self, path: str) -> None:
        assert self.ws is not None
        findings = self.ws.by_path.get(path, [])
        state = self.ws.files.get(path)
        lines = (state.data or b"").decode("utf-8", "replace").split("\n") if state else []
        diagnostics = [self.diagnostic(f, lines) for f in findings]
        if not diagnostics and path not in self.published:
            if path not in self.open:
                return
        if diagnostics:
            self.published.add(path)
        else:
            self.published.discard(path)
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=self.uri_of(path),
                                                                              diagnostics=diagnostics))

    def diagnostic(self, finding, lines: list[str]) -> types.Diagnostic:
        assert self.ws is not None
        line = max(finding.line - 1, 0)
        text = lines[line] if line < len(lines) else ""
        start = max(finding.column - 1, 0) if finding.column else len(text) - len(text.lstrip())
        start = min(start, len(text))
        rule = self.ws.rules.get(finding.rule)
        related = None
        if rule is not None:
            explanation = f"{rule.id} ({rule.severity}): {rule.title}. {_first_paragraph(rule.doc)}".strip()
            related = [types.DiagnosticRelatedInformation(
                location=types.Location(uri=self.uri_of(finding.path), range=_range(line, start, len(text))),
                message=explanation + f" (dutyguard explain {rule.id})")]
        return types.Diagnostic(
            range=_range(line, start, max(len(text), start)), message=finding.message,
            severity=SEVERITY.get(finding.severity, types.DiagnosticSeverity.Error), code=finding.rule,
            source="dutyguard", related_information=related,
            data={"entity": finding.entity, "subject": finding.subject, "fingerprint": finding.fingerprint,
                  "severity": finding.severity})

    # --- documents -----------------------------------------------------------------------------
    def text_changed(self, uri: str, text: str) -> None:
        path = self.path_of(uri)
        if path is None or self.ws is None:
            return
        started = time.perf_counter()
        self.open[path] = uri
        try:
            update = self.ws.set_text(path, text.encode("utf-8"))
        except Exception as err:  # a bug, never the user's text: start again from the texts known
            self.window_log_message(types.LogMessageParams(
                types.MessageType.Error, f"dutyguard: internal error {type(err).__name__}: {err}; re-validating"))
            texts = self.ws.texts()
            texts[path] = text.encode("utf-8")
            self.ws = Workspace(self.root, self.clock())
            update = self.ws.load(texts)
        self.apply(update, {path})
        self.last_update_ms = (time.perf_counter() - started) * 1000

    def closed(self, uri: str) -> None:
        path = self.path_of(uri)
        if path is None or self.ws is None:
            return
        self.open.pop(path, None)
        self.apply(self.ws.reread([path]))

    def disk_changed(self, uris_changed: list[str]) -> None:
        if self.ws is None:
            return
        paths = {p for p in (self.path_of(u) for u in uris_changed) if p is not None}
        self.apply(self.ws.reread(paths, keep=set(self.open)))

    def reload(self) -> None:
        """Everything again from disk (open documents keep their text)."""
        if self.ws is None:
            return
        on_disk = {item.path for item in adapter.list_files(self.root)}
        self.apply(self.ws.reread(on_disk | set(self.ws.files), keep=set(self.open)))

    def text_of(self, uri: str) -> str:
        return self.workspace.get_text_document(uri).source


def rss_bytes() -> int:
    """The server's resident memory now (Linux /proc), else its peak (getrusage)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _range(line: int, start: int, end: int) -> types.Range:
    return types.Range(start=types.Position(line=line, character=start), end=types.Position(line=line, character=end))


def _first_paragraph(doc: str) -> str:
    return re.split(r"\n\s*\n|\n\s*Fails:", doc, maxsplit=1)[0].replace("\n", " ").strip()


class OneLine(logging.Formatter):
    """A log record as one line, without a traceback (a malformed message from the client is logged
    by pygls with its traceback; the user sees what happened, not where in pygls)."""

    def format(self, record: logging.LogRecord) -> str:
        error = f" ({type(record.exc_info[1]).__name__}: {record.exc_info[1]})" if record.exc_info else ""
        text = f"dutyguard lsp: {record.levelname.lower()}: {record.getMessage()}{error}"
        return text.replace("\n", " ")


def build(root: Path, fixed_now: datetime | None = None) -> DutyguardServer:
    server = DutyguardServer(root, fixed_now)

    @server.feature(types.INITIALIZE)
    def initialize(ls: DutyguardServer, params: types.InitializeParams) -> None:
        options = params.initialization_options
        if isinstance(options, dict) and isinstance(options.get("now"), str):
            try:
                ls.fixed_now = parse_now(options["now"])
            except ValueError:
                ls.fixed_now = None

    @server.feature(types.INITIALIZED)
    def initialized(ls: DutyguardServer, params: types.InitializedParams) -> None:
        capabilities = ls.client_capabilities.workspace
        watch = capabilities.did_change_watched_files if capabilities else None
        if watch is not None and watch.dynamic_registration:
            ls.client_register_capability(types.RegistrationParams(registrations=[types.Registration(
                id="dutyguard-watch", method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                register_options=types.DidChangeWatchedFilesRegistrationOptions(watchers=[
                    types.FileSystemWatcher(glob_pattern=f"{self_root}/**/*.{{yaml,yml}}")
                    for self_root in (ls.root.as_posix(),)]))]))
        ls.start_workspace()
        ls.schedule()

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: DutyguardServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.text_changed(params.text_document.uri, params.text_document.text)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: DutyguardServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.text_changed(params.text_document.uri, ls.text_of(params.text_document.uri))

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE, types.SaveOptions(include_text=False))
    def did_save(ls: DutyguardServer, params: types.DidSaveTextDocumentParams) -> None:
        ls.text_changed(params.text_document.uri, params.text or ls.text_of(params.text_document.uri))

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: DutyguardServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.closed(params.text_document.uri)

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def watched(ls: DutyguardServer, params: types.DidChangeWatchedFilesParams) -> None:
        ls.disk_changed([change.uri for change in params.changes])

    def target(ls: DutyguardServer, doc: types.TextDocumentIdentifier, pos: types.Position):
        path = ls.path_of(doc.uri)
        if path is None or ls.ws is None:
            return None, None
        text = ls.text_of(doc.uri)
        return path, features.target_at(ls.ws, path, text, pos.line, pos.character)

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def hover(ls: DutyguardServer, params: types.HoverParams) -> types.Hover | None:
        _, found = target(ls, params.text_document, params.position)
        if found is None:
            return None
        markdown = features.hover(ls.ws, found)
        if markdown is None:
            return None
        return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=markdown),
                           range=_range(params.position.line, found.start, found.end))

    @server.feature(types.TEXT_DOCUMENT_DEFINITION)
    def definition(ls: DutyguardServer, params: types.DefinitionParams) -> types.Location | None:
        _, found = target(ls, params.text_document, params.position)
        if found is None:
            return None
        place = features.definition(ls.ws, found)
        if place is None:
            return None
        path, line, column = place
        return types.Location(uri=ls.uri_of(path), range=_range(line, column, column + len(found.ident)))

    @server.feature(types.TEXT_DOCUMENT_REFERENCES)
    def references(ls: DutyguardServer, params: types.ReferenceParams) -> list[types.Location]:
        _, found = target(ls, params.text_document, params.position)
        if found is None:
            return []
        return [types.Location(uri=ls.uri_of(path), range=_range(line, start, end))
                for path, line, start, end in features.references(ls.ws, found, params.context.include_declaration)]

    @server.feature(types.TEXT_DOCUMENT_COMPLETION,
                    types.CompletionOptions(trigger_characters=[":", " ", "[", ",", "-"]))
    def completion(ls: DutyguardServer, params: types.CompletionParams) -> types.CompletionList:
        path = ls.path_of(params.text_document.uri)
        if path is None or ls.ws is None:
            return types.CompletionList(is_incomplete=False, items=[])
        found = features.completions(ls.ws, path, ls.text_of(params.text_document.uri),
                                     params.position.line, params.position.character)
        kinds = {"id": types.CompletionItemKind.Reference, "kind": types.CompletionItemKind.Class,
                 "field": types.CompletionItemKind.Field}
        line = params.position.line
        lines = ls.text_of(params.text_document.uri).split("\n")
        here = lines[line][:params.position.character] if line < len(lines) else ""
        typed = len(re.search(r"[A-Za-z0-9_:-]*$", here).group())  # type: ignore[union-attr]
        replace = _range(line, params.position.character - typed, params.position.character)
        return types.CompletionList(is_incomplete=len(found) >= features.MAX_ITEMS, items=[
            types.CompletionItem(label=c.label, detail=c.detail, kind=kinds[c.kind],
                                 text_edit=types.TextEdit(range=replace, new_text=c.label)) for c in found])

    @server.command("dutyguard.refresh")
    def refresh(ls: DutyguardServer, *args) -> dict:
        now = args[0] if args and isinstance(args[0], str) else None
        ls.refresh(parse_now(now) if now else None)
        return {"now": ls.clock().isoformat()}

    @server.command("dutyguard.status")
    def status(ls: DutyguardServer, *args) -> dict:
        """What the server holds: files, findings, the clock, its memory, the last edit's time."""
        return {"files": len(ls.ws.files) if ls.ws else 0, "findings": len(ls.ws.findings) if ls.ws else 0,
                "now": ls.clock().isoformat(), "rss_bytes": rss_bytes(), "last_update_ms": ls.last_update_ms}

    @server.command("dutyguard.reload")
    def reload(ls: DutyguardServer, *args) -> None:
        ls.reload()

    @server.feature("dutyguard/setNow")
    def set_now(ls: DutyguardServer, params) -> None:
        now = getattr(params, "now", None) if not isinstance(params, dict) else params.get("now")
        ls.refresh(parse_now(now) if isinstance(now, str) else None)

    return server


def serve(root: Path, fixed_now: datetime | None = None, stdin=None, stdout=None,
          on_exit: Callable[[], None] | None = None) -> int:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(OneLine())
    logging.basicConfig(level=logging.WARNING, handlers=[handler], force=True)
    server = build(root, fixed_now)
    server.start_io(stdin, stdout)
    if on_exit is not None:
        on_exit()
    return 0
