"""Issue 15, items 8, 13, 14 and 15: hostile inputs through the real command line in a child
process. A fix converges and keeps the user's choices; a configuration mistake is exit 2 naming
the key; an internal error is exit 2 on one line; patterns, findings and file sizes cannot make
the run hang or take unbounded memory. docs/robustness.md ("Hostile inputs") lists each promise
with the test below that holds it."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings, strategies as st

from lint_subprocess import ROOT, run_cli

from propagation_lint.cli import main
from propagation_lint.rules.file_problems import MAX_TOKENS


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def fix(tmp_path: Path, *select: str) -> "object":
    args = ["check", "--no-cache", "--fix", "--unsafe-fixes", "-j", "1"]
    args += ["--select", ",".join(select)] if select else []
    return run_cli(args + ["."], cwd=tmp_path, timeout=60)


def assert_converged(tmp_path: Path, name: str, *select: str) -> str:
    """``--fix`` once more changes nothing; the file still compiles."""
    text = (tmp_path / name).read_text(encoding="utf-8")
    compile(text, name, "exec")
    again = fix(tmp_path, *select)
    assert "did not converge" not in again.output, again.output
    assert (tmp_path / name).read_text(encoding="utf-8") == text, "a second --fix changed the file"
    return text


# --- item 8: the CTX202 fix when `contextvars` names something else ---------------------------

SHADOWED = {
    "module-level": """\
        import threading
        from opentelemetry import trace

        contextvars = {"tenant": "a"}


        def work(x):
            pass


        def main():
            threading.Thread(target=work, args=(1,)).start()
        """,
    "parameter": """\
        import contextvars
        import threading
        from opentelemetry import trace


        def work(x):
            pass


        def main(contextvars):
            threading.Thread(target=work, args=(1,)).start()
        """,
}


@pytest.mark.parametrize("shape", sorted(SHADOWED))
def test_thread_fix_with_contextvars_shadowed_converges(tmp_path, shape):
    write(tmp_path / "app.py", SHADOWED[shape])
    first = fix(tmp_path, "CTX202")
    assert "did not converge" not in first.output, first.output
    text = assert_converged(tmp_path, "app.py", "CTX202")
    assert text.count("copy_context().run") == 1, text
    assert "from contextvars import copy_context\n" in text
    assert "threading.Thread(target=copy_context().run, args=(work, 1)).start()" in text
    assert "CTX202" not in run_cli(["check", "--no-cache", "--select", "CTX202", "."], cwd=tmp_path).output


# --- item 13: what the fixes write --------------------------------------------------------------

PUBLISHES = """\
    import boto3
    from opentelemetry import trace  # the service traces: a context can exist
    from celery import Celery, Signature
    from kafka import KafkaProducer

    app = Celery()
    producer = KafkaProducer()
    sqs = boto3.client("sqs")


    @app.task
    def add(x, y):
        return x + y


    def user_keys_win(order):
        add.apply_async((1, 2), headers={"tenant": "a", "baggage": "user"})


    def aws_user_keys_win(order):
        sqs.send_message(QueueUrl="u", MessageBody="b", MessageAttributes={"baggage": {"DataType": "String", "StringValue": "u"}})


    def header_pairs_user_first(order):
        producer.send("orders", b"x", headers=[("baggage", b"user")])


    def opted_out(order):
        producer.send("orders", b"x", headers=[("traceparent", b"")])
        add.apply_async((1, 2), headers={"traceparent": None})


    def signature_keeps_its_headers(sig: Signature):
        sig.apply_async(countdown=1)


    def signature_built_inline():
        add.signature((1, 2), options={"headers": {"a": "1"}}).apply_async(countdown=1)
    """


def test_publish_fix_merges_without_overriding_the_users_choices(tmp_path):
    write(tmp_path / "app.py", PUBLISHES)
    fix(tmp_path, "CTX101")
    text = assert_converged(tmp_path, "app.py", "CTX101")
    flat = _flat(text)  # fixes wrap what passes the file's longest line
    # a merged dict lets the user's explicit keys win
    assert _flat('headers={**carrier, "tenant": "a", "baggage": "user"})') in flat
    assert _flat('MessageAttributes={**{k: {"DataType": "String", "StringValue": v} for k, v in carrier.items()}, '
                 '"baggage": {"DataType": "String", "StringValue": "u"}})') in flat
    # header pairs: the user's first (propagators read a key's first value)
    assert _flat('headers=[("baggage", b"user"), *((k, v.encode()) for k, v in carrier.items())])') in flat
    # an explicit opt-out is left alone
    assert 'producer.send("orders", b"x", headers=[("traceparent", b"")])\n' in text
    assert 'add.apply_async((1, 2), headers={"traceparent": None})\n' in text
    # a Celery signature's own headers are merged in, never replaced
    assert _flat('sig.apply_async(countdown=1, headers={**carrier, **(sig.options.get("headers") or {})})') in flat
    assert 'add.signature((1, 2), options={"headers": {"a": "1"}}).apply_async(countdown=1)\n' in text


def _flat(code: str) -> str:
    """``code`` without whitespace and without the trailing commas a wrapped call gets."""
    return re.sub(r",(?=[)\]}])", "", re.sub(r"\s+", "", code))


CONSUMER = """\
    from kafka import KafkaConsumer
    from opentelemetry import trace

    tracer = trace.get_tracer(__name__)
    consumer = KafkaConsumer("orders")


    def reserve():
        for record in consumer:
            with tracer.start_as_current_span("reserve-inventory"):
                print(record.value)
    """


def test_consumer_fix_writes_the_checked_form_ctx304_accepts(tmp_path):
    write(tmp_path / "app.py", CONSUMER)
    fix(tmp_path, "CTX301")
    text = assert_converged(tmp_path, "app.py", "CTX301")
    assert _flat("context=extract({k: v.decode() for k, v in (record.headers or [])}, context=get_current())") in _flat(text)
    after = run_cli(["check", "--no-cache", "--select", "CTX301,CTX304", "."], cwd=tmp_path)
    assert after.returncode == 0 and after.codes() == [], after.output


def test_thread_fix_safety_states_the_thread_name_change(tmp_path):
    doc = run_cli(["rule", "CTX202"], cwd=tmp_path)
    assert doc.returncode == 0 and "Thread-1 (run)" in doc.stdout, doc.output


# --- item 14: every failure is exit 2 with one line naming the key ------------------------------

TOOL = "[tool.propagation-lint]\n"
KAFKA = "from kafka import KafkaProducer\nfrom opentelemetry import trace\n\nKafkaProducer().send('t', b'x')\n"


@pytest.mark.parametrize("config, key", [
    (TOOL + "[[tool.propagation-lint.per-file]]\npath = \"[z-a]*\"\nthread-scope = \"always\"\n", "per-file[0].path"),
    (TOOL + "per-file-ignores = { \"[z-a]*\" = [\"CTX101\"] }\n", 'per-file-ignores."[z-a]*"'),
    (TOOL + "extend-exclude = [\"[z-a]*\"]\n", "extend-exclude"),
    (TOOL + "[tool.propagation-lint.conventions]\ngeneric-span-pattern = \"" + "(" * 2000 + "a" + ")" * 2000 + "\"\n",
     "conventions.generic-span-pattern"),
    (TOOL + "[tool.propagation-lint.conventions]\ngeneric-span-pattern = \"(a)\\\\1\"\n", "conventions.generic-span-pattern"),
], ids=["per-file-path", "per-file-ignores", "extend-exclude", "nested-groups", "backreference"])
def test_pattern_mistakes_are_config_errors_naming_the_key(tmp_path, config, key):
    write(tmp_path / "pyproject.toml", config)
    write(tmp_path / "app.py", KAFKA)
    result = run_cli(["check", "--no-cache", "."], cwd=tmp_path, timeout=60)
    assert result.returncode == 2, result.output
    assert "Traceback" not in result.output and result.stdout == "", result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: pyproject.toml: [tool.propagation-lint] {key}: "), lines


def test_an_internal_error_is_exit_2_with_one_line(tmp_path):
    """Whatever escapes a command (here: a failure planted in the child before the run) is
    exit 2 and one line, never exit 1 (the findings code) with a traceback."""
    planted = (
        "import sys\n"
        "import propagation_lint.check as check\n"
        "def broken(*args, **kwargs):\n"
        "    raise OSError(5, 'Input/output error', 'svc/bad\\x1b[2J.py')\n"
        "check.run_check = broken\n"
        "from propagation_lint.cli import main\n"
        "main(sys.argv[1:])\n"
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-c", planted, "check", "."], cwd=str(tmp_path), env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and proc.stdout == ""
    assert proc.stderr.splitlines() == [
        "error: internal error: OSError: [Errno 5] Input/output error: 'svc/bad\\x1b[2J.py' (please report this)"
    ]


# --- item 15: no hang, no quadratic time, bounded memory ----------------------------------------

def test_catastrophic_span_pattern_does_not_hang(tmp_path):
    write(tmp_path / "pyproject.toml", TOOL + 'extend-select = ["CTX403"]\n'
          '[tool.propagation-lint.conventions]\ngeneric-span-pattern = "(a+)+$"\n')
    write(tmp_path / "app.py", CONSUMER.replace("reserve-inventory", "a" * 37 + "!"))
    result = run_cli(["check", "--no-cache", "."], cwd=tmp_path, timeout=30)
    assert result.returncode in (0, 1) and "Traceback" not in result.output, result.output


LONG_NAME = "a" * 120 + ".py"
CATASTROPHIC_GLOB = "*a*a*a*a*a*a*a*a*a*a*a*a*a*b"


@pytest.mark.parametrize("where", ["per-file-ignores", "extend-exclude", "gitignore"])
def test_catastrophic_glob_does_not_hang(tmp_path, where):
    if where == "per-file-ignores":
        write(tmp_path / "pyproject.toml", TOOL + f'per-file-ignores = {{ "{CATASTROPHIC_GLOB}" = ["CTX101"] }}\n')
    elif where == "extend-exclude":
        write(tmp_path / "pyproject.toml", TOOL + f'extend-exclude = ["{CATASTROPHIC_GLOB}"]\n')
    else:
        write(tmp_path / ".gitignore", CATASTROPHIC_GLOB + "\n")
    write(tmp_path / LONG_NAME, KAFKA)
    result = run_cli(["check", "--no-cache", "."], cwd=tmp_path, timeout=30)
    # the glob has no `b`: it matches nothing, and the file is linted
    assert result.returncode in (0, 1) and result.checked() == 1, result.output


def test_a_gitignore_line_pathspec_cannot_read_ignores_nothing(tmp_path):
    """A checked tree's .gitignore with a line Python's ``re`` refuses (``[?--]``: a bad range, and
    a "possible set difference" warning) was an internal error: the line is left out, as git
    does, the other lines still apply, and nothing but the report is printed."""
    write(tmp_path / ".gitignore", "[?--]\nvendored/\n")
    write(tmp_path / "app.py", KAFKA)
    write(tmp_path / "vendored" / "lib.py", KAFKA)
    result = run_cli(["check", "--no-cache", "."], cwd=tmp_path, timeout=60)
    assert result.returncode in (0, 1) and "warning" not in result.stderr and "error" not in result.stderr, result.output
    assert result.checked() == 1, result.output  # app.py; vendored/ is still ignored


def test_a_pattern_pythons_re_warns_about_is_one_config_error_line(tmp_path):
    write(tmp_path / "pyproject.toml", TOOL + "extend-exclude = ['[?--]']\n")
    write(tmp_path / "app.py", KAFKA)
    result = run_cli(["check", "--no-cache", "."], cwd=tmp_path, timeout=60)
    assert result.returncode == 2 and result.stdout == "", result.output
    assert result.stderr.splitlines() == [
        "error: pyproject.toml: [tool.propagation-lint] extend-exclude: invalid pattern '[?--]': "
        "bad character range ?-- at position 10"], result.stderr


def _timed_check(directory: Path) -> float:
    start = time.perf_counter()
    result = run_cli(["check", "--no-cache", "-q", "-j", "1", "--select", "CTX101", "."], cwd=directory, timeout=300)
    assert result.returncode == 1 and "Traceback" not in result.output, result.output[-2000:]
    return time.perf_counter() - start


def test_time_is_linear_in_the_findings_of_one_statement(tmp_path):
    """300 and 1,200 fixable `send()` calls in one list: 4x the findings, not 16x the time (it was
    quadratic: each fix walked the whole statement)."""
    timings = []
    for count in (300, 1200):
        directory = tmp_path / str(count)
        calls = "".join(f"        producer.send('t', b'{i}'),\n" for i in range(count))
        write(directory / "app.py", "from kafka import KafkaProducer\nfrom opentelemetry import trace\n"
              "producer = KafkaProducer()\n\n\n"
              "def burst():\n    return [\n" + calls + "    ]\n")
        timings.append(_timed_check(directory))
    small, large = timings
    assert large < 5 * small + 1.0, f"300 calls: {small:.2f}s, 1,200 calls: {large:.2f}s"


PEAK_RSS = r"""
import resource, subprocess, sys
proc = subprocess.run(sys.argv[1:], capture_output=True, text=True)
sys.stdout.write(proc.stdout)
sys.stderr.write(proc.stderr)
print("PEAK_KB", resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
sys.exit(proc.returncode)
"""


def test_a_file_over_the_token_budget_is_ctx004_in_bounded_memory(tmp_path):
    count = MAX_TOKENS + 10_000
    write(tmp_path / "generated.py", "from kafka import KafkaProducer\n\nKafkaProducer().send('t', b'x')\n"
          "TABLE = [" + "a," * (count // 2) + "]\n")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-c", PEAK_RSS, sys.executable, "-m", "propagation_lint", "check", "--no-cache",
                           "-j", "1", "generated.py"], cwd=str(tmp_path), env=env, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert re.search(rf"generated.py:1:1: CTX004 file is too large to lint: 1[0-9,]+ tokens, over the limit of "
                     rf"{MAX_TOKENS:,} \(max-file-tokens, the memory guard\)", proc.stdout), proc.stdout
    peak_mb = int(proc.stdout.rsplit("PEAK_KB", 1)[1]) / 1024
    assert peak_mb < 250, f"peak {peak_mb:.0f} MB"


# --- fuzz: random configurations never crash ----------------------------------------------------

PATTERN_CHARS = "a*?[]!-z^\\(){}+|.$/b"
patterns = st.one_of(st.text(alphabet=PATTERN_CHARS, min_size=1, max_size=14),
                     st.sampled_from(["[z-a]*", CATASTROPHIC_GLOB, "(a+)+$", "(?=a)", "**/", "[!", "\\"]))
selectors = st.lists(st.sampled_from(["CTX101", "CTX2", "CTX403", "ALL", "CTX999", ""]), max_size=2)
options = st.fixed_dictionaries({}, optional={
    "per-file-ignores": st.dictionaries(patterns, selectors, max_size=2),
    "extend-exclude": st.lists(patterns, max_size=2),
    "exclude": st.lists(patterns, max_size=2),
    "extend-select": st.just(["CTX403"]),
    "per-file": st.lists(st.fixed_dictionaries({"path": patterns}, optional={
        "thread-scope": st.sampled_from(["always", "never", "sometimes"]),
        "consumer-link-mode": st.sampled_from(["link", "parent", 1]),
        "conventions": st.fixed_dictionaries({"generic-span-pattern": patterns}),
    }), max_size=2),
    "conventions": st.fixed_dictionaries({}, optional={"generic-span-pattern": patterns,
                                                      "generic-span-names": st.lists(patterns, max_size=2)}),
})


def _toml_pairs(table: dict) -> str:
    """``key = value`` lines (JSON strings and arrays are TOML's; a dict is an inline table)."""
    lines = []
    for key, value in table.items():
        if isinstance(value, dict):
            value = "{ " + ", ".join(f"{json.dumps(k)} = {json.dumps(v)}" for k, v in value.items()) + " }"
        else:
            value = json.dumps(value)
        lines.append(f"{key} = {value}\n")
    return "".join(lines)


def _toml(table: dict) -> str:
    per_file = table.pop("per-file", [])
    return TOOL + _toml_pairs(table) + "".join(
        "[[tool.propagation-lint.per-file]]\n" + _toml_pairs(entry) for entry in per_file)


@settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(table=options)
def _fuzz_configuration(table):
    """One configuration: the CLI in-process (fast), so that many can be tried."""
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        write(directory / "pyproject.toml", _toml(table))
        write(directory / "svc" / (LONG_NAME if table.get("extend-exclude") else "app.py"),
              CONSUMER.replace("reserve-inventory", "a" * 37 + "!"))
        previous = os.getcwd()
        os.chdir(directory)
        try:
            started = time.perf_counter()
            result = CliRunner().invoke(main, ["check", "--no-cache", "-j", "1", "."], catch_exceptions=True)
            elapsed = time.perf_counter() - started
        finally:
            os.chdir(previous)
    output = result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in output, output
    assert result.exit_code in (0, 1, 2), output
    if result.exit_code == 2:
        # a configuration error names the table, in one line; or the patterns excluded every file,
        # and nothing at all was left to lint (exit 2, as ruff)
        assert (output.startswith("error: pyproject.toml: [tool.propagation-lint] ") and output.count("\n") == 1) \
            or output.startswith("warning: no Python files found under"), output
    assert elapsed < 20, f"{elapsed:.1f}s for {table}"


def test_fuzzed_patterns_in_configuration_never_crash_or_hang(tmp_path):
    """Hypothesis runs the examples in a child process, so that a hang (a backtracking match
    cannot be interrupted inside a process) fails the test at the timeout instead of stalling."""
    code = "import sys; sys.path.insert(0, sys.argv[1]); import test_hostile_inputs as t; t._fuzz_configuration()"
    env = dict(os.environ, PYTHONPATH=str(ROOT), NO_COLOR="1")
    proc = subprocess.run([sys.executable, "-c", code, str(Path(__file__).parent)], cwd=str(tmp_path), env=env,
                          capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
