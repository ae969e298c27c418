"""--jobs N: identical findings, in identical order, for any N (worker pool vs in-process)."""
from __future__ import annotations

import os
import textwrap
from pathlib import Path

from click.testing import CliRunner

from propagation_lint.cli import main

GAP = textwrap.dedent(
    """\
    from kafka import KafkaProducer
    from opentelemetry import trace  # the service traces: a context can exist, and be lost
    producer = KafkaProducer(bootstrap_servers="kafka:9092")


    def order_placed_{n}(order):
        producer.send("orders", value=order)
        producer.send("orders", value=order)
    """
)
THREAD = textwrap.dedent(
    """\
    import threading

    from opentelemetry import trace

    tracer = trace.get_tracer(__name__)


    def work():
        with tracer.start_as_current_span("work"):
            pass


    def start_{n}():
        threading.Thread(target=work).start()
    """
)
TASK = textwrap.dedent(
    """\
    from opentelemetry import trace  # noqa: F401  (the web process traces)

    from app.tasks import ship


    def checkout_{n}(order_id):
        ship.delay(order_id)
    """
)


def run(cwd: Path, *args: str) -> tuple:
    old = os.getcwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(main, ["check", "--no-cache", "--output-format", "json", *args], catch_exceptions=False)
    finally:
        os.chdir(old)
    return result.exit_code, result.output


def test_same_output_for_any_jobs(tmp_path):
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text("")
    (tmp_path / "app" / "tasks.py").write_text(
        "from celery import Celery\n\napp = Celery('shop')\n\n\n@app.task\ndef ship(order_id):\n    return order_id\n"
    )
    for n in range(12):
        (tmp_path / "app" / f"gap_{n:02}.py").write_text(GAP.format(n=n))
        (tmp_path / "app" / f"thread_{n:02}.py").write_text(THREAD.format(n=n))
        (tmp_path / "app" / f"view_{n:02}.py").write_text(TASK.format(n=n))
        (tmp_path / "app" / f"plain_{n:02}.py").write_text(f"def f_{n}(x):\n    return x + {n}\n")
    outputs = {jobs: run(tmp_path, "--jobs", str(jobs)) for jobs in (1, 2, 3)}
    assert outputs[1][0] == 1
    assert outputs[1] == outputs[2] == outputs[3]
    # the run really found things in every kind of file, including the cross-file task calls
    for kind in ("gap_", "thread_", "view_"):
        assert f'"app/{kind}' in outputs[1][1]
    assert '"app/plain_' not in outputs[1][1]


def test_project_pass_knows_every_condition_whoever_linted_the_files(tmp_path):
    """A run whose files all went to worker processes (``--jobs 2`` on ``check FILE`` in a large
    project) or came from the cache never imported the rules in the main process; the project
    pass must still decide their conditions (saleor: a CTX101 that depends on a task was dropped
    by ``check FILE --jobs 2`` and kept by ``--jobs 1`` and the whole run)."""
    import subprocess
    import sys

    code = ("from pathlib import Path\n"
            "from propagation_lint import project, runner\n"
            "runner.finish([], [], {}, runner.Selection(), [], Path('.'))\n"
            "print(' '.join(sorted(project.CONDITIONS)))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, check=True)
    known = set(out.stdout.split())
    assert {"task", "handler", "message-carries", "id-written-as", "starts-span"} <= known


def test_a_run_leaves_the_callers_garbage_collector_as_it_was(tmp_path):
    """A run freezes what is allocated and raises the collector's thresholds while it runs (its data
    lives to its end); a program that calls the linter in-process gets its own settings back."""
    import gc

    (tmp_path / "gap.py").write_text(GAP.format(n=1))
    before, frozen = gc.get_threshold(), gc.get_freeze_count()
    gc.set_threshold(700, 10, 10)
    try:
        result = CliRunner().invoke(main, ["check", "--no-cache", "--jobs", "1", str(tmp_path / "gap.py")])
        assert result.exit_code == 1 and "CTX101" in result.output
        assert gc.get_threshold() == (700, 10, 10)
        assert gc.get_freeze_count() == frozen
        assert gc.isenabled()
    finally:
        gc.set_threshold(*before)
