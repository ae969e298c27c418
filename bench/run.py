#!/usr/bin/env python3
"""Benchmark propagation-lint against ruff, flake8 and fixit; write bench/RESULTS.md.

    python bench/run.py                      # stdlib + packages, 3 repetitions
    python bench/run.py --reps 5 --corpus stdlib
    python bench/run.py --no-download        # use what is already under bench/corpora/

Corpora: the running interpreter's standard library (without site-packages), and source
distributions of large real packages fetched with ``pip download --no-binary :all: --no-deps``
and unpacked under ``bench/corpora/`` (gitignored). Each tool is optional: one that is not
installed is reported as such. Every measured command runs in a fresh child process that reports
its wall time and the peak resident memory of the largest process of its tree
(``getrusage(RUSAGE_CHILDREN)``). Tools run interleaved in each repetition, so background load on
the machine hits all of them alike; the table shows medians and ratios from the same run.

fixit is slow (minutes on the standard library), so it runs on every k-th file of a corpus
(``--fixit-files``) and its time is extrapolated per line of code; the results say so.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tarfile
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Dict, List, Optional

HERE = Path(__file__).resolve().parent
CORPORA = HERE / "corpora"
PACKAGES = (
    "django", "celery", "kombu", "botocore",
    "opentelemetry-instrumentation-kafka-python", "opentelemetry-instrumentation-pika",
    "opentelemetry-instrumentation-celery", "opentelemetry-instrumentation-boto3sqs",
    "opentelemetry-instrumentation-aio-pika", "opentelemetry-instrumentation-confluent-kafka",
)
EXCLUDED_DIRS = {"site-packages", "__pycache__", ".git", "node_modules"}

# A child that runs one command and reports its wall time and peak RSS (KiB on Linux).
_MEASURE = r"""
import json, resource, subprocess, sys, time
cmd = json.loads(sys.argv[1])
t0 = time.perf_counter()
p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=sys.argv[2])
wall = time.perf_counter() - t0
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"wall": wall, "rss_kb": rss, "rc": p.returncode, "err": p.stderr.decode(errors="replace")[-400:]}))
"""

# A child that runs propagation-lint in-process and times its phases.
_PHASES = r"""
import json, os, sys, time
from pathlib import Path
from propagation_lint.config import make_resolver
from propagation_lint.discovery import discover
from propagation_lint.runner import FileJob, Selection, display_path, finish, module_for, run_jobs
target, jobs, config = sys.argv[1], int(sys.argv[2]), sys.argv[3]
cwd = Path(os.getcwd())
t0 = time.perf_counter()
resolver = make_resolver(Path(config), cwd)
found = discover([target], exclude=resolver.base.exclude, extend_exclude=resolver.base.extend_exclude,
                 force_exclude=False, respect_gitignore=resolver.base.respect_gitignore, root=resolver.base.root)
jobs_list, by_key = [], {}
for f in found.files:
    s = resolver.for_file(f)
    k = s.fingerprint()
    by_key.setdefault(k, s)
    m, pkg = module_for(f)
    jobs_list.append(FileJob(str(f), display_path(f, cwd), m, pkg, k, None))
t1 = time.perf_counter()
results = run_jobs(jobs_list, by_key, Selection(), jobs=jobs, cache_dir=None)
t2 = time.perf_counter()
run = finish(results, jobs_list, by_key, Selection(), [Path(target)], cwd)
t3 = time.perf_counter()
linted = sum(1 for r in results if r.status != "skipped")
print(json.dumps({"discover": t1 - t0, "per_file": t2 - t1, "project": t3 - t2, "files": len(results),
                  "parsed": linted, "findings": len(run.findings)}))
"""


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------- corpora
def python_files(root: Path) -> List[Path]:
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in EXCLUDED_DIRS and not d.startswith("."))
        out.extend(Path(dirpath) / f for f in sorted(filenames) if f.endswith(".py"))
    return out


def count_lines(files: List[Path]) -> int:
    n = 0
    for f in files:
        try:
            with open(f, "rb") as fh:
                n += fh.read().count(b"\n")
        except OSError:
            pass
    return n


def stdlib_corpus() -> Path:
    return Path(sysconfig.get_paths()["stdlib"])


def packages_corpus(download: bool) -> Optional[Path]:
    target = CORPORA / "packages"
    sdists = CORPORA / "sdists"
    if download:
        sdists.mkdir(parents=True, exist_ok=True)
        for name in PACKAGES:
            if any(sdists.glob(name.replace("-", "[-_]") + "-*")) or any(sdists.glob(name.replace("-", "_") + "-*")):
                continue
            log(f"pip download {name}")
            subprocess.run([sys.executable, "-m", "pip", "download", "--no-binary", ":all:", "--no-deps",
                            "-q", "-d", str(sdists), name], check=False)
    if sdists.is_dir():
        for archive in sorted(sdists.iterdir()):
            dest = target / archive.name.split(".tar")[0].split(".zip")[0]
            if dest.exists():
                continue
            dest.mkdir(parents=True)
            try:
                if archive.name.endswith((".tar.gz", ".tgz", ".tar.bz2", ".tar")):
                    with tarfile.open(archive) as tf:
                        members = [m for m in tf.getmembers() if m.isfile() or m.isdir()]
                        tf.extractall(dest, members=members)  # noqa: S202 (sdists we downloaded)
                elif archive.name.endswith(".zip"):
                    with zipfile.ZipFile(archive) as zf:
                        zf.extractall(dest)
            except (tarfile.TarError, zipfile.BadZipFile, OSError) as exc:
                log(f"cannot unpack {archive.name}: {exc}")
    return target if target.is_dir() and any(target.iterdir()) else None


# ----------------------------------------------------------------------------- tools
def tool(name: str) -> Optional[str]:
    local = Path(sys.executable).parent / name
    if local.exists():
        return str(local)
    return shutil.which(name)


def measure(cmd: List[str], cwd: Path) -> dict:
    out = subprocess.run([sys.executable, "-c", _MEASURE, json.dumps(cmd), str(cwd)],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def phases(target: Path, jobs: int, config: Path, cwd: Path) -> dict:
    out = subprocess.run([sys.executable, "-c", _PHASES, str(target), str(jobs), str(config)],
                         capture_output=True, text=True, cwd=cwd)
    if out.returncode:
        raise RuntimeError(out.stderr[-2000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


# ----------------------------------------------------------------------------- the run
def bench_corpus(name: str, root: Path, reps: int, fixit_files: int, work: Path) -> dict:
    files = python_files(root)
    lines = count_lines(files)
    log(f"== {name}: {root} ({len(files)} files, {lines} lines)")
    pl = tool("propagation-lint")
    cache_dir = work / ("cache-" + "".join(c if c.isalnum() else "-" for c in name.lower())[:40])
    slug = "".join(c if c.isalnum() else "-" for c in name.lower())[:40]
    (work / slug).mkdir(exist_ok=True)
    config = work / slug / "propagation-lint.toml"
    config.write_text(f'cache-dir = "{cache_dir.as_posix()}"\n')
    cores = os.cpu_count() or 1
    commands: Dict[str, List[str]] = {}
    if pl:
        base = [pl, "check", "--exit-zero", "-q", "--config", str(config)]
        commands["propagation-lint cold (--no-cache, --jobs %d)" % cores] = base + ["--no-cache", "--jobs", str(cores), str(root)]
        commands["propagation-lint cold --jobs 1"] = base + ["--no-cache", "--jobs", "1", str(root)]
        commands["propagation-lint warm (cache, nothing changed)"] = base + ["--jobs", str(cores), str(root)]
    if tool("ruff"):
        commands["ruff check --select ALL --no-cache"] = [tool("ruff"), "check", "--select", "ALL", "--no-cache",
                                                          "--exit-zero", "-q", "--isolated", str(root)]
    if tool("flake8"):
        commands["flake8 -j%d" % cores] = [tool("flake8"), "-j%d" % cores, "--exit-zero",
                                           "--extend-exclude", ",".join(sorted(EXCLUDED_DIRS)), str(root)]
    samples: Dict[str, List[dict]] = {k: [] for k in commands}
    warm_key = next((k for k in commands if "warm" in k), None)
    if warm_key:
        shutil.rmtree(cache_dir, ignore_errors=True)
        measure(commands[warm_key], work)  # fill the cache once
    for rep in range(reps):
        for label, cmd in commands.items():
            r = measure(cmd, work)
            if r["rc"] not in (0, 1):
                log(f"{label} exited {r['rc']}: {r['err']}")
            samples[label].append(r)
            log(f"  rep {rep + 1} {label}: {r['wall']:.2f} s, {r['rss_kb'] / 1024:.0f} MB")
    rows = {label: {"wall": statistics.median(s["wall"] for s in v),
                    "rss_mb": max(s["rss_kb"] for s in v) / 1024, "n": len(v)} for label, v in samples.items()}

    fixit = None
    if tool("fixit") and fixit_files:
        step = max(1, len(files) // fixit_files)
        subset = files[::step][:fixit_files]
        sub_lines = count_lines(subset)
        # fixit skips files under the interpreter's own tree: lint copies, same relative paths
        copy = work / f"fixit-{len(subset)}"
        shutil.rmtree(copy, ignore_errors=True)
        for f in subset:
            dest = copy / f.relative_to(root)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(f, dest)
        r = measure([tool("fixit"), "lint", "."], copy)
        if r["rc"] not in (0, 1):
            log(f"fixit exited {r['rc']}: {r['err']}")
        fixit = {"files": len(subset), "lines": sub_lines, "wall": r["wall"], "rss_mb": r["rss_kb"] / 1024,
                 "extrapolated": r["wall"] * lines / max(sub_lines, 1)}
        log(f"  fixit on {len(subset)} files ({sub_lines} lines): {r['wall']:.1f} s -> {fixit['extrapolated']:.0f} s")

    phase = None
    if pl:
        try:
            phase = {j: phases(root, j, config, work) for j in (1, cores)}
        except RuntimeError as exc:
            log(f"phase timing failed: {exc}")
    return {"name": name, "root": str(root), "files": len(files), "lines": lines, "rows": rows,
            "commands": commands, "fixit": fixit, "phases": phase}


def fmt_cmd(cmd: List[str]) -> str:
    home = str(Path.home())
    return " ".join(c.replace(home, "~") for c in cmd)


def report(results: List[dict], reps: int) -> str:
    cores = os.cpu_count() or 1
    out = ["# Benchmark results", "",
           f"Produced by `python bench/run.py` on {time.strftime('%Y-%m-%d')}: {platform.platform()}, "
           f"Python {platform.python_version()}, **{cores} cores**. Medians of {reps} interleaved repetitions "
           "(wall time); peak memory is the largest single process of the run (worker or main). "
           "The machine was shared with other work while this ran, so absolute times are noisy; the "
           "ratios compare tools measured in the same repetitions. The targets (issue 7) are set for the "
           "standard library; the packages corpus, publish/consume code above all, is measured the same "
           "way for comparison.", ""]
    for r in results:
        rows = r["rows"]
        cold = next((v["wall"] for k, v in rows.items() if k.startswith("propagation-lint cold (")), None)
        out += [f"## {r['name']}: {r['files']} files, {r['lines']:,} lines", "", f"`{r['root']}`", "",
                "| command | median wall (s) | peak RSS (MB) | vs propagation-lint cold |", "| --- | ---: | ---: | ---: |"]
        for label, v in rows.items():
            ratio = f"{v['wall'] / cold:.2f}x" if cold else ""
            out.append(f"| {label} | {v['wall']:.2f} | {v['rss_mb']:.0f} | {ratio} |")
        fx = r["fixit"]
        if fx:
            ratio = f"{fx['extrapolated'] / cold:.0f}x" if cold else ""
            out.append(f"| fixit lint (default rules), **extrapolated** from {fx['files']} files / {fx['lines']:,} lines "
                       f"({fx['wall']:.1f} s) | {fx['extrapolated']:.0f} | {fx['rss_mb']:.0f} | {ratio} |")
        out.append("")
        ruff = next((v["wall"] for k, v in rows.items() if k.startswith("ruff")), None)
        warm = next((v["wall"] for k, v in rows.items() if "warm" in k), None)
        one = next((v["wall"] for k, v in rows.items() if k.endswith("--jobs 1")), None)
        checks = []
        if cold and ruff:
            checks.append(f"cold / ruff = {cold / ruff:.2f} (target <= 1)")
        if cold and fx:
            checks.append(f"fixit (extrapolated) / cold = {fx['extrapolated'] / cold:.0f} (target >= 50)")
        if cold and warm:
            checks.append(f"warm / cold = {warm / cold:.2f} (target <= 0.25)")
        if cold and one:
            checks.append(f"--jobs 1 / --jobs {cores} = {one / cold:.2f} (speed-up from the pool)")
        peak = max((v["rss_mb"] for k, v in rows.items() if k.startswith("propagation-lint")), default=None)
        if peak:
            checks.append(f"propagation-lint peak RSS = {peak:.0f} MB (target < 300)")
        out += [f"- {c}" for c in checks]
        ph = r["phases"]
        if ph:
            out += ["", "Phases (in-process, cold, no cache):", "",
                    "| jobs | discovery (s) | per-file pass (s) | project pass: facts merge + conditions (s) | project share | files | parsed by libcst | findings |",
                    "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
            for j, p in sorted(ph.items(), key=lambda kv: int(kv[0])):
                total = p["discover"] + p["per_file"] + p["project"]
                out.append(f"| {j} | {p['discover']:.2f} | {p['per_file']:.2f} | {p['project']:.3f} | "
                           f"{100 * p['project'] / total:.1f}% | {p['files']} | {p['parsed']} | {p['findings']} |")
        out += ["", "Commands:", "", "```"]
        out += [fmt_cmd(c) for c in r["commands"].values()]
        if fx:
            out.append(f"fixit lint .   # in a copy of every {max(1, r['files'] // fx['files'])}th .py file of the corpus "
                       f"({fx['files']} files; fixit skips files inside the interpreter's tree)")
        out += ["```", ""]
    out += ["Reproduce: `pip install ruff flake8 fixit` next to propagation-lint, then `python bench/run.py` "
            "(add `--no-download` to skip fetching the package sdists).", ""]
    return "\n".join(out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--corpus", choices=("all", "stdlib", "packages"), default="all")
    ap.add_argument("--no-download", action="store_true")
    ap.add_argument("--fixit-files", type=int, default=40, help="files of each corpus fixit runs on (0: skip fixit)")
    ap.add_argument("--output", default=str(HERE / "RESULTS.md"))
    args = ap.parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="pl-bench-") as tmp:
        work = Path(tmp)
        if args.corpus in ("all", "stdlib"):
            results.append(bench_corpus("Python standard library", stdlib_corpus(), args.reps, args.fixit_files, work))
        if args.corpus in ("all", "packages"):
            pkgs = packages_corpus(download=not args.no_download)
            if pkgs is None:
                log("no package corpus (download failed or skipped)")
            else:
                results.append(bench_corpus("packages (" + ", ".join(sorted(p.name for p in pkgs.iterdir())) + ")",
                                            pkgs, args.reps, args.fixit_files, work))
    text = report(results, args.reps)
    Path(args.output).write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
