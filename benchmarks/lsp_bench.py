"""The language server's benchmark: from a `didChange` on one file to that file's `publishDiagnostics`.

Generates the synthetic organisation (`benchmarks/generate.py`, scale 1 by default), starts
`dutyguard lsp` as a subprocess, waits for its start-up check, then edits people, teams, services,
rotations and grants one file at a time (a value that changes the entity, then the original back)
and measures each round trip. Two classes of edit: descriptive (a name, a grant's reason: fields no
rule reads, `UNREAD_FIELDS`) and rule-relevant (a time zone, a team's leads, a service's tier, a
rotation's turn, a grant's expiry). Reports the median per kind, per class and overall, as a ratio to
a bare PyYAML `CSafeLoader` parse of the whole repository (SPEC section 5: at most 0.05x), and the
server's memory.

    python benchmarks/lsp_bench.py                 # scale 1
    python benchmarks/lsp_bench.py --scale 0.01 --edits 1 --json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import yaml
from lsprotocol import types
from pygls import uris
from pygls.lsp.client import LanguageClient

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402  (the generator beside this script)

NOW = "2026-11-23T12:00:00+00:00"
# (kind, folder prefix, field whose value is edited): descriptive edits, of a field no rule reads
EDITS = (("Person", "ownership/people", "name"), ("Team", "ownership/", "name"), ("Service", "ownership/", "name"),
         ("Rotation", "ownership/", "name"), ("Grant", "policy/", "reason"))
# (kind, folder prefix, pattern, replacement): rule-relevant edits, of a field the rules read
RULE_EDITS = (
    ("Person", "ownership/people", r"timezone: America/Los_Angeles", "timezone: Europe/Berlin"),
    ("Team", "ownership/", r"\nleads: \[[^\]\n]*\]", "\nleads: []"),
    ("Service", "ownership/", r"\ntier: 4\b", "\ntier: 3"),
    ("Rotation", "ownership/", r"turn: 1w", "turn: 2w"),
    ("Grant", "policy/", r"expires: 2027-01-(\d\d)", r"expires: 2026-12-\1"),
)


def bare_parse(root: Path, files: list[str]) -> float:
    """Seconds for a bare CSafeLoader parse of every file (best of three)."""
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        for rel in files:
            list(yaml.load_all((root / rel).read_bytes(), Loader=yaml.CSafeLoader))  # noqa: S506 - the baseline
        best = min(best, time.perf_counter() - started)
    return best


def edited(text: str, kind: str, field: str) -> str | None:
    """`text` with the `field` of its first entity of `kind` changed (None: no such entity)."""
    at = text.find(f"kind: {kind}\n")
    if at < 0:
        return None
    key = text.find(f"\n{field}: ", at)
    if key < 0 or (text.find("\n---", at) != -1 and key > text.find("\n---", at)):
        key = text.find(f"\n  {field}: ", at)
        if key < 0:
            return None
    start = text.index(": ", key) + 2
    return text[:start] + "Edited " + text[start:]


def rule_edited(text: str, kind: str, pattern: str, replacement: str) -> str | None:
    """`text` with the first match of `pattern` after its first entity of `kind` replaced (None: none)."""
    at = text.find(f"kind: {kind}")
    if at < 0:
        return None
    found = re.compile(pattern).search(text, at)
    if found is None:
        return None
    return text[:found.start()] + found.expand(replacement) + text[found.end():]


class Client(LanguageClient):
    def __init__(self) -> None:
        super().__init__("lsp-bench", "1")
        self.published: dict[str, asyncio.Event] = {}

        @self.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def diagnostics(params: types.PublishDiagnosticsParams) -> None:
            event = self.published.get(params.uri)
            if event is not None:
                event.set()

        @self.feature(types.CLIENT_REGISTER_CAPABILITY)
        def register(params) -> None:
            return None

        @self.feature(types.WINDOW_LOG_MESSAGE)
        def log(params) -> None:
            return None


async def run(root: Path, edits: int) -> dict:
    client = Client()
    started = time.perf_counter()
    await client.start_io(sys.executable, "-m", "validator", "--repo", str(root), "--now", NOW, "lsp")
    await client.initialize_async(types.InitializeParams(capabilities=types.ClientCapabilities(),
                                                        root_uri=uris.from_fs_path(str(root))))
    client.initialized(types.InitializedParams())
    status = await client.workspace_execute_command_async(types.ExecuteCommandParams(command="dutyguard.status"))
    startup = time.perf_counter() - started
    files = sorted(p.relative_to(root).as_posix() for top in ("ownership", "policy")
                   for p in (root / top).rglob("*.yaml"))
    times: dict[str, list[float]] = {}
    version = 1
    plans = [(f"{kind} (descriptive)", folder, lambda text, k=kind, f=field: edited(text, k, f))
             for kind, folder, field in EDITS]
    plans += [(f"{kind} (rules)", folder, lambda text, k=kind, p=pattern, r=repl: rule_edited(text, k, p, r))
              for kind, folder, pattern, repl in RULE_EDITS]
    for kind, folder, change in plans:
        picked = 0
        for rel in files[len(files) // 3:] + files[: len(files) // 3]:
            if picked >= edits:
                break
            if not rel.startswith(folder):
                continue
            text = (root / rel).read_text()
            new = change(text)
            if new is None:
                continue
            picked += 1
            doc = uris.from_fs_path(str(root / rel))
            client.published[doc] = event = asyncio.Event()
            client.text_document_did_open(types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(uri=doc, language_id="yaml", version=version, text=text)))
            await event.wait()
            for content in (new, text):
                version += 1
                event.clear()
                sent = time.perf_counter()
                client.text_document_did_change(types.DidChangeTextDocumentParams(
                    text_document=types.VersionedTextDocumentIdentifier(uri=doc, version=version),
                    content_changes=[types.TextDocumentContentChangeWholeDocument(text=content)]))
                await event.wait()
                times.setdefault(kind, []).append(time.perf_counter() - sent)
            client.text_document_did_close(types.DidCloseTextDocumentParams(
                text_document=types.TextDocumentIdentifier(uri=doc)))
    final = await client.workspace_execute_command_async(types.ExecuteCommandParams(command="dutyguard.status"))
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    return {"startup_s": startup, "status": status, "final": final, "times": times, "files": files}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--repo", type=Path, help="an existing repository instead of a generated one")
    parser.add_argument("--edits", type=int, default=5, help="files edited per kind (each edit and its undo count)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="dutyguard-lsp-bench-") as scratch:
        root = args.repo
        if root is None:
            root = Path(scratch)
            generate.write(generate.generate(args.scale, 1, datetime.fromisoformat(NOW)), root)
        root = root.resolve()
        result = asyncio.run(run(root, args.edits))
        baseline = bare_parse(root, result["files"])
    every = [t for values in result["times"].values() for t in values]
    median = statistics.median(every) if every else float("nan")
    by_class = {}
    for label in ("descriptive", "rules"):
        picked = [t for kind, values in result["times"].items() if kind.endswith(f"({label})") for t in values]
        by_class[label] = statistics.median(picked) if picked else float("nan")
    figures = {
        "scale": args.scale if args.repo is None else None,
        "files": len(result["files"]),
        "bare_parse_s": round(baseline, 4),
        "startup_s": round(result["startup_s"], 2),
        "median_ms": round(median * 1000, 2),
        "ratio": round(median / baseline, 4) if baseline else None,
        "descriptive_median_ms": round(by_class["descriptive"] * 1000, 2),
        "descriptive_ratio": round(by_class["descriptive"] / baseline, 4) if baseline else None,
        "rules_median_ms": round(by_class["rules"] * 1000, 2),
        "rules_ratio": round(by_class["rules"] / baseline, 4) if baseline else None,
        "per_kind_median_ms": {k: round(statistics.median(v) * 1000, 2) for k, v in result["times"].items()},
        "edits": len(every),
        "rss_mib_after_start": round(result["status"]["rss_bytes"] / 2**20, 1),
        "rss_mib_at_end": round(result["final"]["rss_bytes"] / 2**20, 1),
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        print(f"files {figures['files']}, bare CSafeLoader parse {baseline:.3f} s, server start-up "
              f"{figures['startup_s']} s")
        for kind, value in figures["per_kind_median_ms"].items():
            print(f"  {kind:<22} didChange -> publishDiagnostics median {value:8.1f} ms "
                  f"({value / 1000 / baseline:.3f}x)")
        for label, what in (("descriptive", "fields no rule reads"), ("rules", "fields the rules read")):
            print(f"median of edits of {what}: {figures[label + '_median_ms']} ms = "
                  f"{figures[label + '_ratio']}x a bare parse")
        print(f"median {figures['median_ms']} ms over {figures['edits']} edits = {figures['ratio']}x a bare parse "
              f"(target <= 0.05x); RSS {figures['rss_mib_after_start']} MiB after start, "
              f"{figures['rss_mib_at_end']} MiB at the end")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
