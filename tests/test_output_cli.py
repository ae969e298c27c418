"""Output that scales, through the command line (issue 16): root causes, help once per rule,
``full``/``concise``, progress on a terminal, the CI formats, ``-o``, ``check -``, JSON
statistics, and the rule pages the formats link to."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from propagation_lint.registry import all_rules
from propagation_lint.ruledocs import DOCS_DIR, pages, rule_url
from tests.test_cli import GAP, run, write

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "fixtures"
FINDING_LINE = re.compile(r"^\S+:\d+:\d+: CTX\d{3} ")


@pytest.fixture(scope="module")
def celery_json():
    """The Django/Celery fixture: Celery instrumented only in worker_process_init."""
    result = run(["check", "--no-cache", "--output-format", "json", "django_celery"], FIXTURES)
    assert result.exit_code == 1, result.output
    return json.loads(result.stdout)


@pytest.fixture()
def two_gaps(tmp_path):
    write(tmp_path / "a.py", GAP)
    write(tmp_path / "b.py", GAP)
    return tmp_path


# ---------------------------------------------------------------- root causes


def test_root_cause_line_names_the_evidence_and_the_change():
    result = run(["check", "--no-cache", "django_celery"], FIXTURES)
    lines = result.stdout.splitlines()
    start = lines.index("Root causes (one change fixes every finding of a line):")
    cause = lines[start + 1]
    assert cause.startswith("  4 celery publishes: no celery instrumentation is enabled in the process that publishes")
    assert "CeleryInstrumentor is enabled only in Celery worker processes" in cause
    assert "django_celery/shopsite/celery.py:16" in cause
    assert cause.endswith('enable it in the web process too, or set auto-instrumented = ["celery"] if your deployment does.')
    assert lines[start + 2].startswith("Found 5 findings")  # the causes come before the counts
    # -q: findings only
    quiet = run(["check", "--no-cache", "-q", "django_celery"], FIXTURES)
    assert "Root causes" not in quiet.stdout


def test_json_carries_the_cause_per_finding(celery_json):
    ids = [f["cause"]["id"] for f in celery_json]
    assert sorted(ids) == ["none:kafka-python"] + ["worker-only:celery:django_celery/shopsite/celery.py:16"] * 4
    cause = next(f["cause"] for f in celery_json if f["cause"]["id"].startswith("worker-only"))
    assert cause["subject"] == "celery publishes"
    assert cause["evidence"]["path"] == "django_celery/shopsite/celery.py" and cause["evidence"]["line"] == 16
    # the Kafka publish in the worker: no Kafka instrumentation anywhere (a cause of its own)
    kafka = next(f["cause"] for f in celery_json if f["cause"]["id"] == "none:kafka-python")
    assert kafka["evidence"] is None and kafka["subject"] == "kafka-python publishes"


def test_cause_of_an_uninstalled_launcher_and_no_line_for_a_single_finding():
    result = run(["check", "--no-cache", "--output-format", "json", "monorepo_launchers"], FIXTURES)
    by_path = {f["path"]: f.get("cause") for f in json.loads(result.stdout)}
    cause = by_path["monorepo_launchers/services/uninstalled/billing/events.py"]
    assert cause["id"].startswith("uninstalled:kafka-python:")
    assert "nothing installs opentelemetry-instrumentation-kafka-python" in cause["text"]
    assert cause["fix"].startswith("add opentelemetry-instrumentation-kafka-python to the service's dependencies")
    text = run(["check", "--no-cache", "monorepo_launchers"], FIXTURES).stdout
    assert "Root causes" not in text  # every cause here has one finding: said by the finding itself


def test_no_instrumentation_anywhere(two_gaps):
    result = run(["check", "--no-cache", "."], two_gaps)
    assert ("  2 kafka-python publishes: no kafka-python instrumentation is enabled in any process of the "
            "project; enable KafkaInstrumentor in every process that sends or runs them, or set "
            'auto-instrumented = ["kafka-python"] if your deployment does.') in result.stdout.splitlines()
    write(two_gaps / "pyproject.toml", '[tool.propagation-lint]\nauto-instrumented = ["kafka-python"]\n')
    assert run(["check", "--no-cache", "."], two_gaps).exit_code == 0  # the one change fixes both


# ---------------------------------------------------------------- full / concise, help once


def test_full_is_the_default_and_prints_each_help_once(two_gaps):
    default = run(["check", "--no-cache", "."], two_gaps).stdout
    assert default == run(["check", "--no-cache", "--output-format", "full", "."], two_gaps).stdout
    assert default == run(["check", "--no-cache", "--output-format", "text", "."], two_gaps).stdout
    lines = default.splitlines()
    helps = [line for line in lines if line.startswith("  help: ")]
    assert len(helps) == 2
    assert not helps[0].startswith("  help: as for")
    assert helps[1] == "  help: as for CTX101 at a.py:7:5 above"
    assert lines[lines.index(helps[1]) - 1].startswith("b.py:7:5: CTX101 ")


def test_concise_is_one_line_a_finding(two_gaps):
    out = run(["check", "--no-cache", "--output-format", "concise", "."], two_gaps).stdout.splitlines()
    assert [FINDING_LINE.match(line) is not None for line in out[:2]] == [True, True]
    assert out[2] == "Root causes (one change fixes every finding of a line):"
    assert out[-2].startswith("Found 2 findings in 2 files")
    assert not any(line.startswith("  help") or line.startswith("  -->") for line in out)


# ---------------------------------------------------------------- progress


_PTY_CHILD = textwrap.dedent(
    """\
    import os, pty, sys
    out_r, out_w = os.pipe()
    pid, fd = pty.fork()
    if pid == 0:  # the child: stderr is the terminal, stdout a pipe
        os.dup2(out_w, 1)
        os.execv(sys.executable, [sys.executable, "-c",
                 "import sys; from propagation_lint.cli import main; sys.argv[0] = 'propagation-lint'; main()"]
                 + sys.argv[1:])
    os.close(out_w)
    terminal = b""
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        terminal += chunk
    os.waitpid(pid, 0)
    stdout = b""
    while True:
        chunk = os.read(out_r, 4096)
        if not chunk:
            break
        stdout += chunk
    sys.stdout.write(repr((terminal, stdout)))
    """
)


def _on_terminal(args, cwd, delay):
    env = dict(os.environ, PROPAGATION_LINT_PROGRESS_AFTER=delay, PYTHONPATH=str(REPO))
    proc = subprocess.run([sys.executable, "-c", _PTY_CHILD, *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return eval(proc.stdout)  # noqa: S307 - our own repr of two byte strings


@pytest.mark.skipif(sys.platform == "win32", reason="pty is POSIX")
def test_progress_on_a_terminal_only_when_slow_and_not_quiet(two_gaps):
    terminal, stdout = _on_terminal(["check", "--no-cache", "-j", "1", "."], two_gaps, "0")
    assert b"[2/2 files]" in terminal and b"[1/2 files]" in terminal
    assert terminal.endswith(b"\r\x1b[K")  # erased before the process ends
    assert b"files]" not in stdout and b"Found 2 findings" in stdout
    terminal, _ = _on_terminal(["check", "--no-cache", "-q", "."], two_gaps, "0")
    assert b"files]" not in terminal  # -q: silent
    terminal, _ = _on_terminal(["check", "--no-cache", "."], two_gaps, "60")
    assert b"files]" not in terminal  # a run shorter than the delay: silent
    # not a terminal: silent
    piped = subprocess.run([sys.executable, "-m", "propagation_lint", "check", "--no-cache", "."], cwd=two_gaps,
                           env=dict(os.environ, PROPAGATION_LINT_PROGRESS_AFTER="0", PYTHONPATH=str(REPO)),
                           capture_output=True, text=True, timeout=120)
    assert "files]" not in piped.stderr


# ---------------------------------------------------------------- the CI formats


def _fmt(fmt, cwd, *extra):
    result = run(["check", "--no-cache", "--output-format", fmt, *extra, "."], cwd)
    assert result.exit_code == 1, result.output
    return result.stdout


def test_json_url_and_json_lines(two_gaps):
    data = json.loads(_fmt("json", two_gaps))
    assert [f["url"] for f in data] == [rule_url("CTX101")] * 2
    assert rule_url("CTX101").endswith("/blob/main/docs/rules/CTX101.md")
    lines = _fmt("json-lines", two_gaps).splitlines()
    assert [json.loads(line) for line in lines] == data


def test_junit(two_gaps):
    root = ET.fromstring(_fmt("junit", two_gaps))
    assert (root.tag, root.get("tests"), root.get("failures")) == ("testsuites", "2", "2")
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["a.py", "b.py"]
    case = suites[0].find("testcase")
    assert (case.get("name"), case.get("classname"), case.get("line"), case.get("column")) == (
        "org.propagation-lint.CTX101", "a", "7", "5")
    assert case.find("failure").text.startswith("line 7, col 5, kafka-python `producer.send()`")
    clean = run(["check", "--no-cache", "--output-format", "junit", "--select", "CTX4", "."], two_gaps)
    assert ET.fromstring(clean.stdout).find("testsuite/testcase").get("name") == "No errors found"


def test_gitlab(two_gaps, monkeypatch):
    monkeypatch.setenv("CI_PROJECT_DIR", str(two_gaps.parent))
    issues = json.loads(_fmt("gitlab", two_gaps))
    assert [i["check_name"] for i in issues] == ["CTX101", "CTX101"]
    assert issues[0]["description"].startswith("CTX101: kafka-python `producer.send()`")
    assert issues[0]["severity"] == "major"
    assert len({i["fingerprint"] for i in issues}) == 2  # GitLab drops issues with equal fingerprints
    assert issues[0]["location"] == {"path": f"{two_gaps.name}/a.py",
                                     "positions": {"begin": {"line": 7, "column": 5}, "end": {"line": 7, "column": 41}}}


def test_pylint_and_azure(two_gaps):
    pylint = _fmt("pylint", two_gaps).splitlines()
    assert len(pylint) == 2 and pylint[0].startswith("a.py:7: [CTX101] kafka-python `producer.send()`")
    azure = _fmt("azure", two_gaps).splitlines()
    assert azure[0].startswith(
        "##vso[task.logissue type=error;sourcepath=a.py;linenumber=7;columnnumber=5;code=CTX101;]kafka-python")


def test_rdjson(two_gaps):
    log = json.loads(_fmt("rdjson", two_gaps))
    assert log["source"]["name"] == "propagation-lint"
    first = log["diagnostics"][0]
    assert first["code"] == {"value": "CTX101", "url": rule_url("CTX101")}
    assert first["location"]["path"] == "a.py"
    assert first["location"]["range"]["start"] == {"line": 7, "column": 5}
    assert first["suggestions"][0]["text"]  # the fix, proposed on the pull request


def test_sarif_help_uri_and_message_apart(two_gaps):
    log = json.loads(_fmt("sarif", two_gaps))
    rules = {r["id"]: r for r in log["runs"][0]["tool"]["driver"]["rules"]}
    assert all(r["helpUri"] == rule_url(code) for code, r in rules.items())
    result = log["runs"][0]["results"][0]
    assert "help" not in result["message"]["text"] and result["properties"]["help"].startswith("inject")
    assert result["properties"]["cause"]["id"] == "none:kafka-python"


# ---------------------------------------------------------------- -o, stdin, statistics


def test_output_file(two_gaps):
    result = run(["check", "--no-cache", "-o", "reports/out.json", "--output-format", "json", "."], two_gaps)
    assert result.exit_code == 1 and result.stdout == ""
    assert len(json.loads((two_gaps / "reports" / "out.json").read_text())) == 2
    write(two_gaps / "blocker", "a file, not a folder")
    bad = run(["check", "--no-cache", "--output-file", "blocker/out.txt", "."], two_gaps)
    assert bad.exit_code == 2 and "cannot write the report to blocker/out.txt" in bad.stderr


def test_check_dash_reads_stdin(tmp_path):
    plain = run(["check", "--no-cache", "-"], tmp_path, input=GAP)
    assert plain.exit_code == 1 and plain.stdout.startswith("-:7:5: CTX101 ")
    named = run(["check", "--no-cache", "--stdin-filename", "svc/app.py", "-"], tmp_path, input=GAP)
    assert named.exit_code == 1 and named.stdout.startswith("svc/app.py:7:5: CTX101 ")


def test_statistics_as_json(two_gaps):
    rows = json.loads(_fmt("json", two_gaps, "--statistics"))
    assert rows == [{"code": "CTX101", "name": "publish-without-context", "count": 2, "fixable": True}]


# ---------------------------------------------------------------- rule pages


def test_committed_rule_pages_equal_the_generated_text():
    docs = REPO / DOCS_DIR
    expected = pages()
    committed = {p.name: p.read_text(encoding="utf-8") for p in docs.glob("*.md")}
    assert committed == expected, "regenerate with: python -m propagation_lint.ruledocs docs/rules"
    page = run(["rule", "CTX101"], REPO).stdout
    assert page == (docs / "CTX101.md").read_text(encoding="utf-8")
    assert set(expected) == {f"{r.code}.md" for r in all_rules()} | {"README.md"}


def test_readme_sample_is_the_default_output():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## What a finding looks like"):]
    sample = section[section.index("```text\n") + len("```text\n"):section.index("```\n\n")]
    result = run(["check", "--no-cache", "fixtures/django_celery"], REPO)
    assert result.stdout == sample


def test_azure_and_junit_escape_names_from_the_tree(tmp_path):
    write(tmp_path / "x;y]%&<.py", GAP)
    azure = run(["check", "--no-cache", "--output-format", "azure", "."], tmp_path).stdout
    assert "sourcepath=x%3By%5D%AZP25&<.py;linenumber=7;" in azure
    junit = run(["check", "--no-cache", "--output-format", "junit", "."], tmp_path).stdout
    assert ET.fromstring(junit).find("testsuite").get("name") == "x;y]%&<.py"


def test_check_dash_refuses_add_noqa(tmp_path):
    result = run(["check", "--no-cache", "--add-noqa", "-"], tmp_path, input=GAP)
    assert result.exit_code == 2 and "--add-noqa cannot be combined with `-` (standard input)" in result.output
