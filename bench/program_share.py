#!/usr/bin/env python3
"""What the whole-program pass costs, as a share of a cold run (issue 19: at most 15%).

    python bench/program_share.py [CORPUS ...]     # default: the standard library

For each corpus, in this process and on one core: the CPU time of a cold run (``--jobs 1``,
no cache: discovery, the per-file pass, the project pass) and, apart, the CPU time of the
whole-program work inside it: every file's summary with CPython's ``ast`` (``program/summary.py``)
plus building the model (modules, processes, call graph) and deciding the context of every
function (``program/model.py``). Output is a markdown table row per corpus.
"""
from __future__ import annotations

import os
import sys
import sysconfig
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from propagation_lint.check import CheckOptions, run_check  # noqa: E402
from propagation_lint.discovery import discover  # noqa: E402
from propagation_lint.program.model import ProgramModel  # noqa: E402
from propagation_lint.program.summary import summarize  # noqa: E402
from propagation_lint.runner import display_path, module_for  # noqa: E402


def cpu() -> float:
    t = os.times()
    return t.user + t.system


def cold_run(corpus: Path) -> float:
    import io

    start = cpu()
    run_check(CheckOptions(paths=(str(corpus),), use_cache=False, jobs=1, output_format="json"),
              stdout=io.StringIO(), cwd=corpus)
    return cpu() - start


def program_pass(corpus: Path) -> tuple:
    found = discover([str(corpus)], root=corpus)
    start = cpu()
    files = []
    for path in found.files:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        module, is_package = module_for(path)
        files.append((str(path), display_path(path, corpus), module, is_package, summarize(text, module, is_package)))
    summaries = cpu() - start
    start = cpu()
    model = ProgramModel(files)
    context = model.context
    for i in range(len(files)):
        for f in context.file_fns[i][:1]:
            model.site(files[i][0], context.fns[f][2][2])
    return summaries, cpu() - start, len(files)


def main(argv) -> int:
    corpora = [Path(a).resolve() for a in argv] or [Path(sysconfig.get_paths()["stdlib"])]
    print("| corpus | files | cold run CPU (s) | summaries (s) | model (s) | whole-program share |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for corpus in corpora:
        cold = cold_run(corpus)
        summaries, model, n = program_pass(corpus)
        share = (summaries + model) / cold if cold else 0.0
        print(f"| {corpus.name} | {n} | {cold:.2f} | {summaries:.2f} | {model:.2f} | {share:.1%} |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
