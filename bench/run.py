#!/usr/bin/env python3
"""Benchmark propagation-lint against ruff, flake8 and fixit; write bench/RESULTS.md.

    python bench/run.py                      # stdlib + packages + application, 3 repetitions
    python bench/run.py --reps 5 --corpus stdlib
    python bench/run.py --no-download        # use what is already under bench/corpora/

Everything issue 17 asks is measured in one run, as CPU time of the process tree (medians) next to
ruff's: cold and warm (one file changed) runs of each corpus, a pre-commit run on one file of the
project (its config table in place; the other files' facts cached, and cold), the floor of
``python -c "import libcst"``, peak memory, a 3 MB generated module, and the whole-program share
of a cold run (``program_share.py``). Each corpus is linted in a copy under a temporary directory
(the warm run changes a file; the pre-commit runs need the project's configuration table).

Corpora: the running interpreter's standard library (without site-packages), and source
distributions of large real packages fetched with ``pip download --no-binary :all: --no-deps``
and unpacked under ``bench/corpora/`` (gitignored). Each tool is optional: one that is not
installed is reported as such. Every measured command runs in a fresh child process that reports
its wall time and the peak resident memory of the largest process of its tree
(``getrusage(RUSAGE_CHILDREN)``). Tools run interleaved in each repetition, so background load on
the machine hits all of them alike; the table shows medians and ratios from the same run.

The application corpus is saleor and OpenTelemetry's python-contrib (``--app-mirror-root``: bare
mirrors exported with ``git archive``, else shallow clones from GitHub).

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
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"wall": wall, "cpu": ru.ru_utime + ru.ru_stime, "rss_kb": ru.ru_maxrss, "rc": p.returncode,
                  "err": p.stderr.decode(errors="replace")[-400:]}))
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


APP_REPOS = ("saleor/saleor", "open-telemetry/opentelemetry-python-contrib")


def app_corpus(mirror_root: Path, download: bool) -> Optional[Path]:
    """saleor and OpenTelemetry's python-contrib: a Django + Celery application and the
    instrumentations (publish/consume code), exported from bare mirrors or cloned shallow."""
    target = CORPORA / "application"
    for repo in APP_REPOS:
        dest = target / repo.split("/")[1]
        if dest.exists():
            continue
        mirror = mirror_root / repo.replace("/", "+") / "repo"
        dest.mkdir(parents=True)
        if mirror.is_dir():
            archive = subprocess.run(["git", "--git-dir", str(mirror), "archive", "HEAD"], capture_output=True)
            if archive.returncode == 0:
                subprocess.run(["tar", "-x", "-C", str(dest)], input=archive.stdout, check=False)
                continue
        if download:
            log(f"git clone {repo}")
            shutil.rmtree(dest)
            subprocess.run(["git", "clone", "-q", "--depth", "1", f"https://github.com/{repo}", str(dest)], check=False)
            shutil.rmtree(dest / ".git", ignore_errors=True)
    return target if target.is_dir() and any(p.is_dir() and any(p.iterdir()) for p in target.iterdir()) else None


def copy_corpus(root: Path, dest: Path) -> Path:
    """The corpus's Python files in ``dest`` (its ``pyproject.toml`` too), with a
    ``[tool.propagation-lint]`` table at the top: the project shape in which ``check FILE`` (what
    pre-commit runs) reads the facts of the whole project."""
    for f in python_files(root):
        out = dest / f.relative_to(root)
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(f, out)
    table = "[tool.propagation-lint]\n"  # the cache: .propagation_lint_cache/ at the top, the default
    pyproject = root / "pyproject.toml"
    if pyproject.is_file() and "[tool.propagation-lint]" not in pyproject.read_text(errors="replace"):
        (dest / "pyproject.toml").write_text(pyproject.read_text(errors="replace") + "\n" + table)
    else:
        (dest / "pyproject.toml").write_text(table)
    return dest


def generated_module(path: Path, size: int = 3 * 1024 * 1024) -> Path:
    """A generated module of about ``size`` bytes: tables of constants and small functions (the
    shape of protobuf or API-client code generators' output)."""
    parts = ["import threading\n\n"]
    n, total = 0, 0
    while total < size:
        chunk = (f"TABLE_{n} = {{\n" + "".join(f"    'key_{n}_{k}': ({k}, 'value {k}', [{k}, {k + 1}]),\n" for k in range(40))
                 + "}\n\n\n"
                 f"def handler_{n}(request, context=None):\n    result = TABLE_{n}.get(request.key)\n"
                 f"    if result is None:\n        return dict(status=404, key=request.key)\n"
                 f"    return dict(status=200, value=result[1], items=list(result[2]))\n\n\n")
        parts.append(chunk)
        total += len(chunk)
        n += 1
    parts.append("def serve(request):\n    threading.Thread(target=handler_0, args=(request,)).start()\n")  # relevant: not skipped
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(parts))
    return path


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


def program_share(target: Path) -> Optional[dict]:
    """The whole-program pass's share of a cold run, from ``program_share.py`` (one job, in process)."""
    out = subprocess.run([sys.executable, str(HERE / "program_share.py"), str(target)], capture_output=True, text=True)
    rows = [line for line in out.stdout.splitlines() if line.startswith("| ") and line.rstrip().endswith("% |")]
    if out.returncode or not rows:
        log(f"program_share failed: {out.stderr[-600:]}")
        return None
    cells = [c.strip() for c in rows[-1].strip("| \n").split("|")]
    return {"cold": float(cells[2]), "summaries": float(cells[3]), "model": float(cells[4]),
            "share": float(cells[5].rstrip("%")) / 100}


LABEL_COLD = "propagation-lint cold (--no-cache, --jobs %d)"
LABEL_ONE_JOB = "propagation-lint cold --jobs 1"
LABEL_WARM = "propagation-lint warm (cache, one file changed)"
LABEL_HOOK_WARM = "pre-commit: `check FILE`, the other files' facts cached"
LABEL_HOOK_COLD = "pre-commit: `check FILE`, nothing cached (--no-cache)"
LABEL_RUFF = "ruff check --select ALL --no-cache"
LABEL_FLOOR = 'python -c "import libcst" (the floor)'


def _median(samples: List[dict], key: str) -> float:
    return statistics.median(s[key] for s in samples)


# ----------------------------------------------------------------------------- the run
def bench_corpus(name: str, root: Path, reps: int, fixit_files: int, work: Path, app: bool = False) -> dict:
    slug = "".join(c if c.isalnum() else "-" for c in name.lower())[:40]
    tree = copy_corpus(root, work / slug)
    cache_dir = tree / ".propagation_lint_cache"
    files = python_files(tree)
    lines = count_lines(files)
    log(f"== {name}: {root} ({len(files)} files, {lines} lines)")
    pl = tool("propagation-lint")
    cores = os.cpu_count() or 1
    # the file pre-commit is given and the warm run changes: a mid-sized file that holds a candidate
    hook_file = _hook_file(tree, files)
    changing = files[len(files) // 2]
    original = changing.read_text(errors="replace")
    commands: Dict[str, List[str]] = {}
    prepare: Dict[str, object] = {}
    if pl:
        base = [pl, "check", "--exit-zero", "-q"]
        commands[LABEL_COLD % cores] = base + ["--no-cache", "--jobs", str(cores), "."]
        commands[LABEL_ONE_JOB] = base + ["--no-cache", "--jobs", "1", "."]
        commands[LABEL_WARM] = base + ["--jobs", str(cores), "."]
        counter = iter(range(10 ** 6))
        prepare[LABEL_WARM] = lambda: changing.write_text(original + f"\n# changed {next(counter)}\n")
        commands[LABEL_HOOK_WARM] = base + [hook_file.relative_to(tree).as_posix()]
        commands[LABEL_HOOK_COLD] = base + ["--no-cache", hook_file.relative_to(tree).as_posix()]
    if tool("ruff"):
        commands[LABEL_RUFF] = [tool("ruff"), "check", "--select", "ALL", "--no-cache", "--exit-zero", "-q", "--isolated", "."]
    if tool("flake8"):
        commands["flake8 -j%d" % cores] = [tool("flake8"), "-j%d" % cores, "--exit-zero",
                                           "--extend-exclude", ",".join(sorted(EXCLUDED_DIRS)), "."]
    commands[LABEL_FLOOR] = [sys.executable, "-c", "import libcst"]
    samples: Dict[str, List[dict]] = {k: [] for k in commands}
    if pl:
        shutil.rmtree(cache_dir, ignore_errors=True)
        measure(commands[LABEL_WARM], tree)  # fill the cache once: the files' entries and the whole
        measure(commands[LABEL_HOOK_WARM], tree)  # run's report, and the report of pre-commit's file
    for rep in range(reps):
        for label, cmd in commands.items():
            if label in prepare:
                prepare[label]()
            r = measure(cmd, tree)
            if r["rc"] not in (0, 1):
                log(f"{label} exited {r['rc']}: {r['err']}")
            samples[label].append(r)
            log(f"  rep {rep + 1} {label}: {r['cpu']:.2f} s CPU, {r['wall']:.2f} s wall, {r['rss_kb'] / 1024:.0f} MB")
    changing.write_text(original)
    rows = {label: {"wall": _median(v, "wall"), "cpu": _median(v, "cpu"),
                    "rss_mb": max(s["rss_kb"] for s in v) / 1024, "n": len(v)} for label, v in samples.items()}

    fixit = None
    if tool("fixit") and fixit_files:
        step = max(1, len(files) // fixit_files)
        subset = files[::step][:fixit_files]
        sub_lines = count_lines(subset)
        copy = work / f"fixit-{slug}"
        shutil.rmtree(copy, ignore_errors=True)
        for f in subset:
            dest = copy / f.relative_to(tree)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(f, dest)
        r = measure([tool("fixit"), "lint", "."], copy)
        if r["rc"] not in (0, 1):
            log(f"fixit exited {r['rc']}: {r['err']}")
        fixit = {"files": len(subset), "lines": sub_lines, "wall": r["wall"], "cpu": r["cpu"], "rss_mb": r["rss_kb"] / 1024,
                 "extrapolated": r["cpu"] * lines / max(sub_lines, 1)}
        log(f"  fixit on {len(subset)} files ({sub_lines} lines): {r['cpu']:.1f} s -> {fixit['extrapolated']:.0f} s")

    phase = share = None
    if pl:
        config = tree / "pyproject.toml"
        try:
            phase = {j: phases(tree, j, config, tree) for j in (1, cores)}
        except RuntimeError as exc:
            log(f"phase timing failed: {exc}")
        share = program_share(tree)
    return {"name": name, "root": str(root), "files": len(files), "lines": lines, "rows": rows, "app": app,
            "commands": commands, "fixit": fixit, "phases": phase, "share": share,
            "hook_file": hook_file.relative_to(tree).as_posix(), "changing": changing.relative_to(tree).as_posix()}


def _hook_file(tree: Path, files: List[Path]) -> Path:
    """A file a commit would touch: one that publishes or hands off work (it is parsed), else any."""
    for words in (("delay(", "apply_async("), ("submit(", "Thread(")):
        for f in files:
            try:
                text = f.read_text(errors="replace")
            except OSError:
                continue
            if 2_000 < len(text) < 40_000 and any(w in text for w in words) and "/test" not in f.as_posix():
                return f
    return files[len(files) // 3]


def bench_generated(reps: int, work: Path) -> Optional[dict]:
    """One 3 MB generated module: propagation-lint and ruff, time and peak memory. With the default
    settings the linter's memory guard (``max-file-tokens``) refuses it (CTX004) before any parse."""
    pl, ruff = tool("propagation-lint"), tool("ruff")
    if not pl:
        return None
    path = generated_module(work / "generated" / "big_generated.py")
    commands = {"propagation-lint": [pl, "check", "--exit-zero", "-q", "--no-cache", "--isolated", path.name]}
    if ruff:
        commands["ruff check --select ALL"] = [ruff, "check", "--select", "ALL", "--no-cache", "--exit-zero", "-q",
                                               "--isolated", path.name]
    samples: Dict[str, List[dict]] = {k: [] for k in commands}
    for rep in range(reps):
        for label, cmd in commands.items():
            r = measure(cmd, path.parent)
            samples[label].append(r)
            log(f"  generated module, rep {rep + 1} {label}: {r['cpu']:.2f} s CPU, {r['rss_kb'] / 1024:.0f} MB")
    return {"bytes": path.stat().st_size, "lines": count_lines([path]), "commands": commands,
            "rows": {k: {"cpu": _median(v, "cpu"), "wall": _median(v, "wall"), "rss_mb": max(s["rss_kb"] for s in v) / 1024}
                     for k, v in samples.items()}}


def fmt_cmd(cmd: List[str]) -> str:
    home = str(Path.home())
    return " ".join(c.replace(home, "~") for c in cmd)


def _verdict(value: float, limit: float, below: bool = True) -> str:
    ok = value <= limit if below else value >= limit
    return "**met**" if ok else "**not met**"


def report(results: List[dict], reps: int, generated: Optional[dict]) -> str:
    cores = os.cpu_count() or 1
    out = ["# Benchmark results", "",
           f"Produced by `python bench/run.py` on {time.strftime('%Y-%m-%d')}: {platform.platform()}, "
           f"Python {platform.python_version()}, **{cores} cores**. Medians of {reps} interleaved repetitions of "
           "**CPU time of the process tree** (user + system of the command and every process it waited for); wall "
           "time beside it. Peak memory is the largest single process of the run (worker or main). The machine was "
           "shared with other work while this ran, so absolute times are noisy; the ratios compare commands "
           "measured in the same repetitions. Targets are issue 17's (and issue 19's whole-program share).", ""]
    summary_rows = []
    for r in results:
        rows = r["rows"]
        get = lambda label: rows.get(label, {}).get("cpu")  # noqa: E731
        cold, ruff, floor = get(LABEL_COLD % cores), get(LABEL_RUFF), get(LABEL_FLOOR)
        out += [f"## {r['name']}: {r['files']:,} files, {r['lines']:,} lines", "", f"`{r['root']}`", "",
                "| command | median CPU (s) | median wall (s) | peak RSS (MB) | CPU vs ruff ALL cold |",
                "| --- | ---: | ---: | ---: | ---: |"]
        for label, v in rows.items():
            ratio = f"{v['cpu'] / ruff:.2f}x" if ruff else ""
            out.append(f"| {label} | {v['cpu']:.2f} | {v['wall']:.2f} | {v['rss_mb']:.0f} | {ratio} |")
        fx = r["fixit"]
        if fx:
            ratio = f"{fx['extrapolated'] / ruff:.0f}x" if ruff else ""
            out.append(f"| fixit lint (default rules), **extrapolated** from {fx['files']} files / {fx['lines']:,} lines "
                       f"({fx['cpu']:.1f} s) | {fx['extrapolated']:.0f} | | {fx['rss_mb']:.0f} | {ratio} |")
        out.append("")
        checks = []
        limit = 1.5 if r["app"] else 1.0
        if cold and ruff:
            checks.append(f"cold / ruff ALL cold = {cold / ruff:.2f} (target <= {limit}): {_verdict(cold / ruff, limit)}")
        warm = get(LABEL_WARM)
        if warm and ruff:
            checks.append(f"warm (one file changed) / ruff ALL cold = {warm / ruff:.2f} (target <= 0.1): {_verdict(warm / ruff, 0.1)}")
        hook, hook_cold = get(LABEL_HOOK_WARM), get(LABEL_HOOK_COLD)
        if hook and floor:
            checks.append(f"pre-commit on one file, rest cached / `import libcst` = {hook / floor:.1f}x (target <= 3x): "
                          f"{_verdict(hook / floor, 3)}")
        if hook_cold and cold:
            checks.append(f"pre-commit on one file, nothing cached / cold whole project = {hook_cold / cold:.2f} "
                          f"(target <= 0.5): {_verdict(hook_cold / cold, 0.5)}")
        peak = max((v["rss_mb"] for k, v in rows.items() if k.startswith(("propagation-lint", "pre-commit"))), default=None)
        if peak:
            checks.append(f"propagation-lint peak RSS = {peak:.0f} MB (target < 300): {_verdict(peak, 299.99)}")
        share = r["share"]
        if share:
            checks.append(f"whole-program share of a cold run (one job) = {share['share']:.1%} of {share['cold']:.2f} s "
                          f"(summaries {share['summaries']:.2f} s, model {share['model']:.2f} s; target <= 15%): "
                          f"{_verdict(share['share'], 0.15)}")
        out += [f"- {c}" for c in checks]
        summary_rows.append((r["name"].split(":")[0].split(" (")[0], checks))
        ph = r["phases"]
        if ph:
            out += ["", "Phases (in-process, cold, no cache; wall time):", "",
                    "| jobs | discovery (s) | per-file pass (s) | project pass (s) | project share | files | parsed by libcst | findings |",
                    "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
            for j, p in sorted(ph.items(), key=lambda kv: int(kv[0])):
                total = p["discover"] + p["per_file"] + p["project"]
                out.append(f"| {j} | {p['discover']:.2f} | {p['per_file']:.2f} | {p['project']:.3f} | "
                           f"{100 * p['project'] / total:.1f}% | {p['files']} | {p['parsed']} | {p['findings']} |")
        out += ["", f"Commands (run in a copy of the corpus with a `[tool.propagation-lint]` table; the warm run "
                f"changes `{r['changing']}` before each repetition; pre-commit is given `{r['hook_file']}`):", "", "```"]
        out += [fmt_cmd(c) for c in r["commands"].values()]
        if fx:
            out.append(f"fixit lint .   # in a copy of every {max(1, r['files'] // fx['files'])}th .py file of the corpus "
                       f"({fx['files']} files)")
        out += ["```", ""]
    if generated:
        rows = generated["rows"]
        pl, ruff = rows.get("propagation-lint"), rows.get("ruff check --select ALL")
        out += [f"## One generated module: {generated['bytes'] / 1e6:.1f} MB, {generated['lines']:,} lines", "",
                "| command | median CPU (s) | peak RSS (MB) |", "| --- | ---: | ---: |"]
        out += [f"| {k} | {v['cpu']:.2f} | {v['rss_mb']:.0f} |" for k, v in rows.items()]
        out.append("")
        checks = []
        if pl and ruff:
            checks.append(f"time / ruff = {pl['cpu'] / ruff['cpu']:.1f}x (target < 5x): {_verdict(pl['cpu'] / ruff['cpu'], 4.999)}")
        if pl:
            checks.append(f"peak RSS = {pl['rss_mb']:.0f} MB (target < 300): {_verdict(pl['rss_mb'], 299.99)}")
        out += [f"- {c}" for c in checks] + ["", "```"] + [fmt_cmd(c) for c in generated["commands"].values()] + ["```", ""]
        summary_rows.append(("3 MB generated module", checks))
    out += ["## Targets at a glance", ""]
    for name, checks in summary_rows:
        out.append(f"- **{name}**: " + "; ".join(checks))
    out += ["", "A profile of one job shows the analysis itself: files nested no deeper than real code are analysed on "
            "the main thread (`python -m cProfile -o prof.out -m propagation_lint check --jobs 1 --no-cache .`).", "",
            "Reproduce: `pip install ruff flake8 fixit` next to propagation-lint, then `python bench/run.py` "
            "(add `--no-download` to skip fetching the package sdists and cloning the application).", ""]
    return "\n".join(out)


def compile_linter() -> None:
    """Byte-compile propagation-lint's own modules, as installing a wheel does: in a fresh checkout
    run with ``PYTHONDONTWRITEBYTECODE`` set, every measured process would otherwise compile about
    90 modules (~0.2 s: more than the whole ``import libcst`` floor)."""
    import compileall
    import importlib.util

    spec = importlib.util.find_spec("propagation_lint")
    if spec is not None and spec.submodule_search_locations:
        for location in spec.submodule_search_locations:
            compileall.compile_dir(location, quiet=1)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--corpus", choices=("all", "stdlib", "packages", "application"), default="all")
    ap.add_argument("--no-download", action="store_true")
    ap.add_argument("--app-mirror-root", default="/work/.mirror", help="bare mirrors <owner>+<name>/repo of the application corpus")
    ap.add_argument("--fixit-files", type=int, default=40, help="files of each corpus fixit runs on (0: skip fixit)")
    ap.add_argument("--output", default=str(HERE / "RESULTS.md"))
    args = ap.parse_args()
    compile_linter()
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
        if args.corpus in ("all", "application"):
            app = app_corpus(Path(args.app_mirror_root), download=not args.no_download)
            if app is None:
                log("no application corpus (no mirror, clone failed or skipped)")
            else:
                results.append(bench_corpus("application (" + ", ".join(sorted(p.name for p in app.iterdir())) + ")",
                                            app, args.reps, args.fixit_files, work, app=True))
        generated = bench_generated(args.reps, work)
    text = report(results, args.reps, generated)
    Path(args.output).write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
