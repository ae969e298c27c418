#!/usr/bin/env python3
"""What the whole-program pass costs, as a share of a cold run (issue 19: at most 15%).

    python bench/program_share.py [CORPUS ...]     # default: the standard library

For each corpus, in this process and on one core: the CPU time of a cold run (``--jobs 1``,
no cache: discovery, the per-file pass, the project pass) and the part of it spent on the
whole-program work, measured inside the same run: the files' summaries (``program/summary.py``:
regular expressions for files the prefilter skips, CPython's tree for the others and for the
skipped files the project pass asks about), the promotions the summaries decide
(``runner.task_promotions``) and building the model, deciding contexts (``program/model.py``,
``project.attach_program``). Output is a markdown table row per corpus.
"""
from __future__ import annotations

import os
import sys
import sysconfig
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from propagation_lint import engine  # noqa: E402
from propagation_lint.check import CheckOptions, run_check  # noqa: E402
from propagation_lint.program import model as program_model  # noqa: E402

SPENT = {"summaries": 0.0, "model": 0.0, "on demand": 0.0}


def cpu() -> float:
    t = os.times()
    return t.user + t.system


def timed(key, fn):
    def wrapper(*args, **kwargs):
        start = cpu()
        try:
            return fn(*args, **kwargs)
        finally:
            SPENT[key] += cpu() - start
    return wrapper


def instrument() -> None:
    """Count, inside a real cold run, the CPU spent on the whole-program work: per-file summaries
    (the cheap ones of skipped files and CPython's tree for the rest, ``engine._add_summary``), the
    summaries completed on demand, the promotions they decide (``task_promotions``), building the
    model and deciding contexts (``finish``)."""
    from propagation_lint import runner

    runner.task_promotions = timed("model", runner.task_promotions)
    engine._add_summary = timed("summaries", engine._add_summary)
    program_model.complete_summaries = timed("on demand", program_model.complete_summaries)
    original_init = program_model.ProgramModel.__init__
    program_model.ProgramModel.__init__ = timed("model", original_init)
    original_site = program_model.ProgramModel.site
    program_model.ProgramModel.site = timed("model", original_site)
    from propagation_lint import project

    project.Project.attach_program = timed("model", project.Project.attach_program)


def cold_run(corpus: Path) -> float:
    import io

    start = cpu()
    run_check(CheckOptions(paths=(str(corpus),), use_cache=False, jobs=1, output_format="json"),
              stdout=io.StringIO(), cwd=corpus)
    return cpu() - start


def main(argv) -> int:
    corpora = [Path(a).resolve() for a in argv] or [Path(sysconfig.get_paths()["stdlib"])]
    print("| corpus | files | cold run CPU (s) | summaries (s) | model (s) | whole-program share |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    instrument()
    for corpus in corpora:
        SPENT.update({"summaries": 0.0, "model": 0.0, "on demand": 0.0})
        cold = cold_run(corpus)
        summaries, model = SPENT["summaries"] + SPENT["on demand"], SPENT["model"]
        print(f"<!-- {corpus.name}: per file {SPENT['summaries']:.2f} s, on demand {SPENT['on demand']:.2f} s -->")
        share = (summaries + model) / cold if cold else 0.0
        n = sum(1 for _ in corpus.rglob("*.py"))
        print(f"| {corpus.name} | {n} | {cold:.2f} | {summaries:.2f} | {model:.2f} | {share:.1%} |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
