"""The benchmark harness behind `make bench`.

For each scale it generates two synthetic organisations into benchmarks/out/ (once; reused while
the generator is unchanged): `clean` (the default: a sprinkling of findings) and `dirty`
(`generate.py --dirty`: thousands of findings of every family, more than one per three files, as
in a team's first runs). Then it runs, as separate processes and interleaved, N times each:

* `bare`      benchmarks/bare_parse.py: `yaml.load_all(CSafeLoader)` of the same files, the unit;
* `validate`  `python -m validator --repo R --now T validate --format json`, as a user runs it.

dutyguard runs in one process and keeps no cache, so `validate` is both the cold and the
one-process figure. (A mechanism that adds processes or a cache is judged by an A/B of its own in
this harness: a second case beside `validate`, kept only if it saves at least 20 % wall time on both
organisations; benchmarks/RESULTS.md, "Machinery that did not pay".) It prints
the median wall times, the ratios to `bare`, dirty/clean,
the CPU seconds (the child's, os.wait4) and each child's peak RSS,
then where a run spends its CPU (benchmarks/stages.py) on both organisations and the stand-alone
engine benchmarks, and rewrites the generated section of benchmarks/RESULTS.md (text outside the
markers stays).

    .venv/bin/python benchmarks/run.py [--quick] [--repeat N] [--scales 0.1,1,3] [--no-write]
    .venv/bin/python benchmarks/run.py --smoke REPO     # one round on REPO only, nothing written
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
RESULTS = HERE / "RESULTS.md"
NOW = "2026-11-23T12:00:00Z"
START, END = "<!-- bench:start -->", "<!-- bench:end -->"
KINDS = ("clean", "dirty")
CASES = ("bare", "validate")


@dataclass
class Sample:
    seconds: float
    rss_mib: float
    cpu: float = 0.0  # user + system seconds of the child and of the workers it waited for


@dataclass
class Org:
    kind: str
    scale: float
    repo: Path
    files: int = 0
    megabytes: float = 0.0
    findings: int = 0
    runs: dict[str, list[Sample]] = field(default_factory=lambda: {case: [] for case in CASES})

    def median(self, case: str) -> float:
        return statistics.median(s.seconds for s in self.runs[case])

    def ratio(self, case: str) -> float:
        return self.median(case) / self.median("bare")

    def peak(self, case: str) -> float:
        return max(s.rss_mib for s in self.runs[case])

    def cpu(self, case: str) -> float:
        return statistics.median(s.cpu for s in self.runs[case])


def run_child(argv: list[str], env: dict[str, str] | None = None) -> tuple[Sample, bytes]:
    """Run one process to completion: wall time, its own peak RSS (via wait4), its output."""
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.PIPE, cwd=ROOT, env=env)  # noqa: S603
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        code = os.waitstatus_to_exitcode(status)
        err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
        if proc.stderr:
            proc.stderr.close()
        if code not in (0, 1):
            raise SystemExit(f"benchmark child failed ({code}): {' '.join(argv)}\n{err[-2000:]}")
        out.seek(0)
        return Sample(seconds, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime), out.read()


def ensure_org(kind: str, scale: float) -> Path:
    """Generate the organisation unless an identical one is already there."""
    repo = OUT / f"{kind}-{scale:g}"
    stamp = repo / ".generated"
    digest = hashlib.sha256((HERE / "generate.py").read_bytes()).hexdigest()[:16]
    want = f"{digest} {kind} scale={scale} now={NOW}\n"
    if stamp.exists() and stamp.read_text() == want:
        return repo
    repo.mkdir(parents=True, exist_ok=True)
    extra = ["--dirty"] if kind == "dirty" else []
    subprocess.run([sys.executable, str(HERE / "generate.py"), "--scale", str(scale), "--out", str(repo),  # noqa: S603
                    "--now", NOW, *extra], check=True)
    stamp.write_text(want)
    return repo


def org_size(repo: Path) -> tuple[int, float]:
    files = [p for top in ("ownership", "policy") for p in (repo / top).rglob("*.y*ml")]
    return len(files), sum(p.stat().st_size for p in files) / 1e6


def measure(orgs: list[Org], repeat: int) -> None:
    """`repeat` rounds; in each, every case of every organisation once, interleaved."""
    py = sys.executable
    for round_no in range(repeat):
        for org in orgs:
            org.runs["bare"].append(run_child([py, str(HERE / "bare_parse.py"), str(org.repo)])[0])
            sample, output = run_child([py, "-m", "validator", "--repo", str(org.repo), "--now", NOW,
                                        "validate", "--format", "json"])
            org.runs["validate"].append(sample)
            org.findings = output.count(b'"rule":')
            print(f"  {org.kind} {org.scale:g} round {round_no + 1}/{repeat}: "
                  + ", ".join(f"{case} {org.runs[case][-1].seconds:.2f}s" for case in CASES), file=sys.stderr)


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
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (f"{os.cpu_count()} cores, {cpu}, Python {platform.python_version()}, PyYAML {yaml.__version__} "
            f"{libyaml}, {platform.system()} {platform.release()}, load average {load:.1f} at the start")


def table(orgs: list[Org]) -> str:
    rows = ["| org | scale | files | MB | findings | bare parse (s) | validate (s) | ratio | dirty/clean | "
            "CPU s | peak RSS (MiB) |",
            "|---|---|---|---|---|---|---|---|---|---|---|"]
    clean = {o.scale: o for o in orgs if o.kind == "clean"}
    for o in orgs:
        versus = (f"{o.median('validate') / clean[o.scale].median('validate'):.2f}"
                  if o.kind == "dirty" and o.scale in clean else "–")
        rows.append(f"| {o.kind} | {o.scale:g} | {o.files} | {o.megabytes:.1f} | {o.findings} | "
                    f"{o.median('bare'):.2f} | {o.median('validate'):.2f} | {o.ratio('validate'):.2f} | "
                    f"{versus} | {o.cpu('validate'):.2f} | {o.peak('validate'):.0f} |")
    return "\n".join(rows)


def stages(repo: Path) -> str:
    proc = subprocess.run([sys.executable, str(HERE / "stages.py"), str(repo), "--now", NOW],  # noqa: S603
                          capture_output=True, text=True, cwd=ROOT)
    if proc.returncode != 0:
        raise SystemExit(f"benchmarks/stages.py failed:\n{proc.stderr[-2000:]}")
    return proc.stdout.strip()


def extra_scripts(smoke: bool) -> list[tuple[str, str]]:
    small = {"bench_oncall.py": ["--rotations", "5", "--days", "2"],
             "bench_access.py": ["--roles", "20", "--grants", "50"]}
    out = []
    for name, args in small.items():
        proc = subprocess.run([sys.executable, str(HERE / name), *(args if smoke else [])],  # noqa: S603
                              capture_output=True, text=True, cwd=ROOT)
        if proc.returncode != 0:
            raise SystemExit(f"benchmarks/{name} failed:\n{proc.stderr[-2000:]}")
        out.append((name, proc.stdout.strip()))
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
    PYTHONDONTWRITEBYTECODE=1 would otherwise compile every module from source in every run."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "validator")], check=True)  # noqa: S603


def report(orgs: list[Org], smoke: bool) -> str:
    lines = [f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on: {machine()}.", "",
             f"Medians of interleaved separate processes, `--now {NOW}`. `validate`: `dutyguard validate "
             "--format json` as a user runs it, in one process with no cache (the cold and the one-process "
             "figure); ratio: to a bare `yaml.load_all(CSafeLoader)` parse of the same files; CPU: user + "
             "system seconds of the run.", "",
             table(orgs)]
    for o in orgs:
        if o.scale == 1 or smoke:
            lines += ["", f"Where a run on the {o.kind} organisation at scale {o.scale:g} spends its CPU "
                      "(`benchmarks/stages.py`):", "", stages(o.repo)]
    for name, output in extra_scripts(smoke):
        lines += ["", f"`benchmarks/{name}`:", "", "```", output, "```"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="dutyguard benchmarks (see benchmarks/README.md)")
    parser.add_argument("--quick", action="store_true", help="skip the 3x scale")
    parser.add_argument("--repeat", type=int, default=5, help="interleaved rounds at scale 1 (default 5)")
    parser.add_argument("--scales", default="0.1,1,3", help="comma-separated scales (default 0.1,1,3)")
    parser.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md alone")
    parser.add_argument("--smoke", type=Path, metavar="REPO", help="one round on REPO only; nothing written")
    args = parser.parse_args(argv)
    compile_bytecode()
    if args.smoke:
        orgs = [Org("clean", 1.0, args.smoke), Org("dirty", 1.0, args.smoke)]
        for org in orgs:
            org.files, org.megabytes = org_size(org.repo)
        measure(orgs, 1)
        print(report(orgs, smoke=True))
        return 0
    scales = [float(s) for s in args.scales.split(",") if s]
    if args.quick:
        scales = [s for s in scales if s <= 1]
    orgs: list[Org] = []
    for scale in scales:
        group = [Org(kind, scale, ensure_org(kind, scale)) for kind in KINDS]
        for org in group:
            org.files, org.megabytes = org_size(org.repo)
        measure(group, args.repeat if scale == 1 else max(1, min(args.repeat, 3)))
        orgs += group
    section = report(orgs, smoke=False)
    print(section)
    if not args.no_write:
        write_results(section)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
