"""The benchmark harness behind `make bench`.

For each scale it generates a synthetic organisation into benchmarks/out/ (once; reused while
the generator is unchanged), then runs, as separate processes and interleaved, N times each:

* `bare`  — benchmarks/bare_parse.py: a bare PyYAML CSafeLoader parse of the same files;
* `cold`  — `python -m validator --repo R --now T validate --format json`, cache removed first;
* `warm`  — the same after a one-file change, with the cache of the previous run in place.

It prints the median wall times, the ratios to `bare`, and each child's peak RSS (os.wait4),
then rewrites the generated section of benchmarks/RESULTS.md (text outside the markers stays).
The standalone scripts benchmarks/bench_oncall.py and bench_access.py run too when present.

    .venv/bin/python benchmarks/run.py [--quick] [--repeat N] [--scales 0.1,1,3]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from validator.cache import wait_for_writers  # noqa: E402

OUT = HERE / "out"
RESULTS = HERE / "RESULTS.md"
NOW = "2026-11-23T12:00:00Z"
START, END = "<!-- bench:start -->", "<!-- bench:end -->"
EXTRA_SCRIPTS = ("bench_oncall.py", "bench_access.py")


@dataclass
class Sample:
    seconds: float
    rss_mib: float
    code: int


@dataclass
class ScaleResult:
    scale: float
    files: int
    megabytes: float
    runs: dict[str, list[Sample]] = field(default_factory=dict)

    def median(self, name: str) -> float:
        return statistics.median(s.seconds for s in self.runs[name])

    def peak(self, name: str) -> float:
        return max(s.rss_mib for s in self.runs[name])


def run_child(argv: list[str]) -> Sample:
    """Run one process to completion; wall time and its own peak RSS (via wait4)."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT)  # noqa: S603
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.stderr:
        proc.stderr.close()
    if proc.returncode not in (0, 1):
        raise SystemExit(f"benchmark child failed ({proc.returncode}): {' '.join(argv)}\n{err[-2000:]}")
    return Sample(seconds, usage.ru_maxrss / 1024, proc.returncode)


def generator_stamp(scale: float) -> str:
    digest = hashlib.sha256((HERE / "generate.py").read_bytes()).hexdigest()[:16]
    return f"{digest} scale={scale} now={NOW}\n"


def ensure_org(scale: float) -> Path:
    """Generate the organisation for `scale` unless an identical one is already there."""
    repo = OUT / f"scale-{scale:g}"
    stamp = repo / ".generated"
    if stamp.exists() and stamp.read_text() == generator_stamp(scale):
        return repo
    repo.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, str(HERE / "generate.py"), "--scale", str(scale), "--out", str(repo),  # noqa: S603
                    "--now", NOW], check=True)
    stamp.write_text(generator_stamp(scale))
    return repo


def org_size(repo: Path) -> tuple[int, float]:
    files = [p for top in ("ownership", "policy") for p in (repo / top).rglob("*.y*ml")]
    return len(files), sum(p.stat().st_size for p in files) / 1e6


def touch_one_file(repo: Path, round_no: int) -> None:
    """The one-file change of a warm run: rename the first person of the first people file (a real
    change of a value, so that the run has to re-read, re-model and re-check, not only re-locate)."""
    people = sorted((repo / "ownership" / "people").rglob("*.yaml"))[0]
    text = people.read_text()
    renamed = re.sub(r"(name: )[^,}\n]+", lambda m: f"{m.group(1)}Renamed Person {round_no}-{time.time_ns()}",
                     text, count=1)
    if renamed == text:
        raise SystemExit(f"{people}: no 'name:' to change for the warm run")
    people.write_text(renamed)


def measure(scale: float, repeat: int, warm: bool) -> ScaleResult:
    repo = ensure_org(scale)
    files, megabytes = org_size(repo)
    result = ScaleResult(scale, files, megabytes, {"bare": [], "cold": []} | ({"warm": []} if warm else {}))
    py = sys.executable
    bare = [py, str(HERE / "bare_parse.py"), str(repo)]
    validate = [py, "-m", "validator", "--repo", str(repo), "--now", NOW, "validate", "--format", "json"]
    cache = repo / ".dutyguard-cache"
    for round_no in range(repeat):
        result.runs["bare"].append(run_child(bare))
        wait_for_writers(repo)  # the previous run's cache writer (a child that outlives it), untimed
        shutil.rmtree(cache, ignore_errors=True)
        result.runs["cold"].append(run_child(validate))
        if warm:
            touch_one_file(repo, round_no)
            wait_for_writers(repo)
            result.runs["warm"].append(run_child(validate))
        print(f"  scale {scale:g} round {round_no + 1}/{repeat}: "
              + ", ".join(f"{name} {runs[-1].seconds:.2f}s" for name, runs in result.runs.items()),
              file=sys.stderr)
    return result


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import yaml

    libyaml = "with libyaml" if getattr(yaml, "__with_libyaml__", False) else "without libyaml"
    return (f"{os.cpu_count()} cores, {cpu}, Python {platform.python_version()}, PyYAML {yaml.__version__} "
            f"{libyaml}, {platform.system()} {platform.release()}")


def table(results: list[ScaleResult]) -> str:
    rows = ["| scale | files | MB | bare parse (s) | cold validate (s) | cold ratio | warm validate (s) | "
            "warm ratio | peak RSS cold (MiB) |",
            "|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        bare, cold = r.median("bare"), r.median("cold")
        warm = r.median("warm") if "warm" in r.runs else None
        rows.append(f"| {r.scale:g} | {r.files} | {r.megabytes:.1f} | {bare:.2f} | {cold:.2f} | {cold / bare:.2f} | "
                    + (f"{warm:.2f} | {warm / bare:.3f} | " if warm is not None else "– | – | ")
                    + f"{r.peak('cold'):.0f} |")
    return "\n".join(rows)


def extra_scripts() -> list[tuple[str, str]]:
    out = []
    for name in EXTRA_SCRIPTS:
        script = HERE / name
        if script.exists():
            proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, cwd=ROOT)  # noqa: S603
            out.append((name, (proc.stdout + proc.stderr).strip() or f"(exit {proc.returncode}, no output)"))
    return out


def write_results(section: str) -> None:
    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n\n"
    block = f"{START}\n{section}\n{END}"
    if START in text and END in text:
        head, rest = text.split(START, 1)
        text = head + block + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    RESULTS.write_text(text)


def compile_bytecode() -> None:
    """Write the package's bytecode first, as installing a wheel does: an editable install under
    PYTHONDONTWRITEBYTECODE=1 would otherwise compile every module from source in every run
    (about 0.05 s of each validate), which no installed copy pays."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "validator")], check=True)  # noqa: S603


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="dutyguard benchmarks (see benchmarks/README.md)")
    parser.add_argument("--quick", action="store_true", help="skip the 3x scale")
    parser.add_argument("--repeat", type=int, default=5, help="interleaved rounds at scale 1 (default 5)")
    parser.add_argument("--scales", default="0.1,1,3", help="comma-separated scales (default 0.1,1,3)")
    parser.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md alone")
    args = parser.parse_args(argv)
    scales = [float(s) for s in args.scales.split(",") if s]
    if args.quick:
        scales = [s for s in scales if s <= 1]
    compile_bytecode()
    results = []
    for scale in scales:
        repeat = args.repeat if scale == 1 else max(1, min(args.repeat, 3))
        results.append(measure(scale, repeat, warm=True))
    lines = [f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on: {machine()}.", "",
             "Medians of interleaved separate processes (bare, cold, warm), `--now " + NOW + "`; "
             "cold = no `.dutyguard-cache/`; warm = after a one-file change with the previous run's cache.", "",
             table(results)]
    for r in results:
        if r.scale == 1:
            ratio = r.median("cold") / r.median("bare")
            lines += ["", f"**Scale 1: cold validate / bare CSafeLoader parse = {ratio:.2f}**"
                      + (f"; warm after a one-file change = {r.median('warm') / r.median('bare'):.3f}"
                         if "warm" in r.runs else "") + f"; peak RSS {r.peak('cold'):.0f} MiB."]
    if any(r.scale == 1 for r in results):
        proc = subprocess.run([sys.executable, str(HERE / "candidates.py"), str(OUT / "scale-1")],  # noqa: S603
                              capture_output=True, text=True, cwd=ROOT)
        lines += ["", "Load-path candidates at scale 1 (`benchmarks/candidates.py`, one process):", "",
                  proc.stdout.strip() or proc.stderr.strip()[-2000:]]
    if any(r.scale == 1 for r in results):
        for flag, what in (([], "cold"), (["--warm"], "warm")):
            proc = subprocess.run([sys.executable, str(HERE / "stages.py"), str(OUT / "scale-1"), *flag],  # noqa: S603
                                  capture_output=True, text=True, cwd=ROOT)
            lines += ["", f"Where a {what} run at scale 1 spends its CPU time (`benchmarks/stages.py`):", "",
                      proc.stdout.strip() or proc.stderr.strip()[-2000:]]
    for name, output in extra_scripts():
        lines += ["", f"`benchmarks/{name}`:", "", "```", output, "```"]
    section = "\n".join(lines)
    print(section)
    if not args.no_write:
        write_results(section)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
