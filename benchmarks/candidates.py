"""Load-path candidates, measured in one process over the same files (the comparison in RESULTS.md).

Each candidate parses every YAML file of the organisation; the cyclic garbage collector is off
(as in `dutyguard validate`). Candidates whose package is not installed are listed as such:
`rapidyaml` is not a dependency of dutyguard, install it by hand to compare.

    python benchmarks/candidates.py REPO
"""

from __future__ import annotations

import gc
import sys
import time
from collections.abc import Callable
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from validator.cache import ParseCache, encode, key_of  # noqa: E402
from validator.load import rsfast  # noqa: E402
from validator.load.fastpath import _parse_rs, documents_of, parse_fast  # noqa: E402
from validator.load.files import iter_repo_files  # noqa: E402
from validator.load.yamltree import parse  # noqa: E402


def timed(run: Callable[[], object]) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def main(argv: list[str]) -> int:
    root = Path(argv[1]) if len(argv) > 1 else Path(".")
    gc.disable()
    files = [f.data for f in iter_repo_files(root) if f.data is not None]
    texts = [data.decode("utf-8-sig") for data in files]
    rows: list[tuple[str, str, str]] = []

    def add(name: str, guarantees: str, run: Callable[[], object] | None) -> None:
        seconds = "not installed" if run is None else f"{timed(run):.2f}"
        rows.append((name, seconds, guarantees))

    add("PyYAML CSafeLoader `load_all` (the baseline)", "none: YAML 1.1 values, silent duplicates, aliases expanded",
        lambda: [list(yaml.load_all(t, Loader=yaml.CSafeLoader)) for t in texts])  # noqa: S506 - the baseline
    add("libyaml events only (no values)", "the floor of any libyaml-based path",
        lambda: [sum(1 for _ in yaml.parse(t, Loader=yaml.CSafeLoader)) for t in texts])
    add("reference event parser, every position (`yamltree.parse`)", "all",
        lambda: [parse(t) for t in texts])
    add("yaml-rs tier (`rsfast`: pre-scan, yaml-rs, count walk, top-level positions)",
        "all (declines unusual files: libyaml tier, then reference parser)",
        lambda: [_parse_rs(t, 10**9) for t in texts])
    add("fast path as used (`fastpath.parse_fast`: yaml-rs tier, else libyaml tier)", "all",
        lambda: [parse_fast(t) for t in texts])
    rust, rsfast.yaml_rs = rsfast.yaml_rs, None
    add("libyaml tier alone, lazy deep positions (`parse_fast` without yaml-rs)", "all",
        lambda: [parse_fast(t) for t in texts])
    rsfast.yaml_rs = rust
    cache_dir = root
    cache = ParseCache(cache_dir)
    for data, text in zip(files, texts, strict=True):
        parsed = parse_fast(text)
        if parsed is not None:
            cache.put(key_of(data), parsed.nodes, [d.value for d in parsed.documents],
                      [dict(d.positions) for d in parsed.documents])
    cache._lines = {key: encode(*entry) for key, entry in cache._used.items()}  # as read from disk  # noqa: SLF001

    def warm() -> None:
        for data in files:
            hit = cache.get(key_of(data))
            if hit is not None:
                documents_of(data, hit[1], hit[2])

    add("warm cache: HMAC-SHA256 + JSON per file", "all (positions re-parsed for files with findings)", warm)
    try:
        import yaml_rs  # type: ignore[import-not-found]

        add("yaml-rs `loads` (Rust)", "values only: no positions, YAML 1.2 but `1_000` is a number",
            lambda: [yaml_rs.loads(t, parse_datetime=False) for t in texts])
    except ImportError:
        add("yaml-rs `loads` (Rust)", "values only", None)
    try:
        import ryml  # type: ignore[import-not-found]

        add("rapidyaml `parse_in_arena` (C++, tree only)", "tree only: values and positions need a Python walk",
            lambda: [ryml.parse_in_arena(d) for d in files])
    except ImportError:
        add("rapidyaml `parse_in_arena` (C++, tree only)", "tree only", None)
    megabytes = sum(len(d) for d in files) / 1e6
    print(f"{len(files)} files, {megabytes:.1f} MB, seconds in one process:\n")
    print("| candidate | seconds | loader guarantees kept |\n|---|---|---|")
    for name, seconds, guarantees in rows:
        print(f"| {name} | {seconds} | {guarantees} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
